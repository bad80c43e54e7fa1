"""Small model builders that several notebooks share, each taught first where its docstring says.

The notebooks build them from scratch once and then call these, so that the same name always means
the same model across the course.
"""
from __future__ import annotations

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline

from . import data


def log_linear():
    """Linear regression on log(target): power laws (the Lubanska exponents, the choked gas flow) become
    straight lines (day3_linear/02_multiple_regression); predictions come back in the target's units."""
    return TransformedTargetRegressor(LinearRegression(), func=np.log, inverse_func=np.exp)


def hgb_pipeline(numeric=None, **params):
    """Day 2's preprocessor + HistGradientBoostingRegressor(random_state=0, **params)
    (day4_nonlinear/02_trees_and_ensembles); ``numeric`` picks the numeric columns (default: the settings)."""
    return make_pipeline(data.make_preprocessor(numeric=numeric),
                         HistGradientBoostingRegressor(random_state=0, **params))
