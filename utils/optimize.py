"""Searching the task's settings with any predictor: the plant itself or a trained model
(introduced in day3_linear/03_linear_optimization; used on Days 3–6).

``search(predict, task)`` maximizes ``predicted target − constraint penalty`` over ``task.bounds``:
every combination of the discrete values, a dense random sample of the continuous box, then rounds
of shrinking random search around the best point. Vectorized: a few seconds at most.
``search(..., allowed=support.contains)`` keeps the search where ``allowed`` says yes, e.g. inside the
history's data support (``DataSupport``: near enough to past heats, jointly in all settings).
``as_predictor(...)`` wraps fitted models (one per output, or several) into the ``predict`` that ``search`` takes.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

FAILED_HEAT_SCORE = -100.0   # the score of settings whose heat fails (utils.plant.POUR_WINDOW_M_S)


class DataSupport:
    """Where the history has data, judged jointly in all ``columns`` (day3_linear/03_linear_optimization
    teaches it): a settings row's distance is its mean Euclidean distance to the ``k`` nearest past heats,
    in standardized units (each column divided by its standard deviation in the history). ``limit`` is the
    ``quantile`` of the same distance for the past heats themselves (each to its k nearest others), so a
    row within ``limit`` is as close to data as 90 % (by default) of the history is. A box of marginal
    ranges is not this region: its corners combine extremes that no past heat combined."""

    def __init__(self, history: pd.DataFrame, columns, k: int = 5, quantile: float = 0.9):
        missing = [c for c in columns if c not in history]
        if missing:
            raise ValueError(f"history lacks the columns {missing}; pass the settings columns it has.")
        self.columns, self.k = list(columns), int(k)
        X = history[self.columns].to_numpy(float)
        if len(X) <= self.k:
            raise ValueError(f"history has {len(X)} rows; DataSupport needs more than k = {self.k}.")
        self.mean, self.scale = X.mean(axis=0), X.std(axis=0)
        self.scale[self.scale == 0] = 1.0
        self._tree = cKDTree((X - self.mean) / self.scale)
        d, _ = self._tree.query((X - self.mean) / self.scale, k=self.k + 1)
        self.inside = d[:, 1:].mean(axis=1)          # each past heat to its k nearest others
        self.limit = float(np.quantile(self.inside, quantile))

    def distance(self, settings: pd.DataFrame) -> np.ndarray:
        """Mean standardized distance of each row of ``settings`` to its k nearest past heats."""
        Z = (settings[self.columns].to_numpy(float) - self.mean) / self.scale
        d, _ = self._tree.query(Z, k=self.k)
        return d.reshape(len(Z), -1).mean(axis=1)

    def contains(self, settings: pd.DataFrame) -> np.ndarray:
        """True for rows within the data support (distance ≤ limit)."""
        return self.distance(settings) <= self.limit


def search(predict, task, n_random: int = 4000, n_rounds: int = 40, n_local: int = 400, seed: int = 0,
           allowed=None):
    """Best decision values (a Series over ``task.bounds``) and their predicted penalized objective.

    ``predict(settings: DataFrame) -> DataFrame`` must return the task's target column and the
    constraint columns (sphericity, oxygen_ppm, gas_consumption_kg), one row per settings row;
    ``utils.plant.expected`` is one such function, a fitted multi-output model wrapped is another.
    Settings outside the task's pour window (``task.pour_ok``) score FAILED_HEAT_SCORE: the heat fails.
    ``allowed(decision: DataFrame) -> bool array`` (optional, e.g. ``DataSupport(...).contains``) scores the
    rows it rejects FAILED_HEAT_SCORE too, so the search never picks them.
    """
    cont = [k for k, b in task.bounds.items() if isinstance(b, tuple)]
    disc = [k for k, b in task.bounds.items() if not isinstance(b, tuple)]
    lo = np.array([task.bounds[k][0] for k in cont], float)
    hi = np.array([task.bounds[k][1] for k in cont], float)
    rng = np.random.default_rng(seed)

    def score(u, combo):
        decision = pd.DataFrame(lo + u * (hi - lo), columns=cont)
        for k, v in zip(disc, combo):
            decision[k] = v
        out = predict(task.settings(decision))
        if not isinstance(out, pd.DataFrame):
            raise ValueError(f"predict() must return a DataFrame with the columns {task.target!r}, sphericity, "
                             f"oxygen_ppm and gas_consumption_kg; got {type(out).__name__}.")
        if task.target not in out:
            raise ValueError(f"predict() must return the target column {task.target!r}; got {list(out.columns)}.")
        if len(out) != len(decision):
            raise ValueError(f"predict() returned {len(out)} rows for {len(decision)} settings rows; it must "
                             "return one row per settings row, in the same order.")
        val = (out[task.target] - task.penalty(out)).to_numpy(float)
        pours = task.pour_ok(decision) if hasattr(task, "pour_ok") else np.ones(len(val), bool)
        val = np.where(pours, val, FAILED_HEAT_SCORE)      # a heat outside the pour window fails
        if allowed is not None:
            val = np.where(np.asarray(allowed(decision), bool), val, FAILED_HEAT_SCORE)
        if not np.isfinite(val).all():
            raise ValueError(f"predict() returned NaN or infinite values (e.g. for settings "
                             f"{decision.iloc[int(np.argmin(np.isfinite(val)))].round(3).to_dict()}); check that "
                             "the model was fitted and gets the columns it was trained on.")
        return val

    best_val, best = -np.inf, None
    for combo in itertools.product(*[task.bounds[k] for k in disc]):
        u = rng.random((n_random, len(cont)))
        val = score(u, combo)
        x, fx = u[np.argmax(val)], float(np.max(val))
        radius = 0.25
        for _ in range(n_rounds):
            cand = np.clip(x + radius * rng.standard_normal((n_local, len(cont))), 0.0, 1.0)
            cand[0] = x
            val = score(cand, combo)
            if val.max() > fx:
                x, fx = cand[np.argmax(val)], float(val.max())
            radius *= 0.8
        if fx > best_val:
            best_val = fx
            best = dict(zip(cont, lo + x * (hi - lo)))
            best.update(dict(zip(disc, combo)))
    return pd.Series(best)[list(task.bounds)].astype(float), best_val


def as_predictor(*parts, features=True, shift=None):
    """Fitted models → ``predict(settings) -> DataFrame`` for ``search`` (taught in
    day3_linear/03_linear_optimization after its hand-written ``predict_linear``; used again on Days 4–6).

    Each part is either a dict ``{output column: model}``, where a model is a fitted scikit-learn model
    (its ``predict`` is called; a pipeline fitted on a DataFrame picks its own columns by name) or a
    function, either returning one value per settings row; or a function returning a DataFrame with one
    row per settings row (all its columns are taken, e.g. an earlier predictor). Parts are called in
    order; a later part's column replaces an earlier one of the same name. Every part gets the settings
    with the Day 2 physics features added (``data.add_physics_features``) when ``features=True``, the
    settings as they are when ``features=False``, or ``features(settings)`` when ``features`` is a function
    (e.g. one that encodes the settings into a network's inputs). ``shift`` (``{column: value}`` or a Series)
    is added to those columns last, e.g. a safety margin that backs the search off a constraint's limit.
    The result keeps the settings' index.
    """
    if not parts:
        raise ValueError("as_predictor() needs a dict {output column: model or function} or a function "
                         "returning a DataFrame.")
    shift = {} if shift is None else dict(shift)

    def predict(settings: pd.DataFrame) -> pd.DataFrame:
        if features is True:
            from .data import add_physics_features   # here, not at the top: data → plant → optimize
            X = add_physics_features(settings)
        elif callable(features):
            X = features(settings)
        else:
            X = settings
        n = len(settings)
        out = pd.DataFrame(index=settings.index)
        for part in parts:
            if isinstance(part, dict):
                for column, model in part.items():
                    values = np.asarray(model.predict(X) if hasattr(model, "predict") else model(X))
                    if values.ndim == 2 and values.shape[1] == 1:
                        values = values[:, 0]
                    if values.shape != (n,):
                        raise ValueError(f"the model for {column!r} returned shape {values.shape} for {n} "
                                         "settings rows; it must return one value per settings row.")
                    out[column] = values
            else:
                table = part(X)
                if not isinstance(table, pd.DataFrame) or len(table) != n:
                    got = f"{len(table)} rows" if isinstance(table, pd.DataFrame) else type(table).__name__
                    raise ValueError(f"{getattr(part, '__name__', 'a part')}() returned {got} for {n} settings "
                                     "rows; a function part must return a DataFrame with one row per settings row.")
                for column in table:
                    out[column] = table[column].to_numpy()
        for column, value in shift.items():
            if column not in out:
                raise ValueError(f"shift names {column!r}, which no part predicts (columns: {list(out.columns)}).")
            out[column] = out[column] + value
        return out

    return predict
