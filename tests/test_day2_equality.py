"""Day 2's cleaning, checked on the raw file independently of ``data.clean``'s code (the notebook
day2_preprocessing/01_cleaning shows its own equality with ``data.load_clean()``): each defect is counted
in the raw file, and the cleaned table keeps exactly the rows the steps say and none of the defects;
the time split is ordered, disjoint and complete; the preprocessor keeps its promises."""
import numpy as np
import pandas as pd
import pytest

from utils import data, plant


@pytest.fixture(scope="module")
def clean():
    return data.load_clean()


@pytest.fixture(scope="module")
def counts():
    """How many raw rows each cleaning step must drop or fix, counted on the raw file itself."""
    raw = data.load_raw()
    df = raw.drop_duplicates()
    aborted = df[plant.OUTCOMES].isna().all(axis=1)          # the pour left the window: no powder
    df = df[~aborted]
    in_bar = df["gas_pressure_mpa"] > plant.RANGES["gas_pressure_mpa"][1]
    negative = df["melt_flow_kg_min"] < 0
    return {"raw": len(raw), "duplicates": int(raw.duplicated().sum()), "aborted": int(aborted.sum()),
            "bar": int(in_bar.sum()), "bar_atomizers": sorted(df.loc[in_bar, "atomizer"].unique()),
            "negative_flow": int(negative.sum()),
            "incomplete_settings": int(df.loc[~negative, plant.SETTINGS].isna().any(axis=1).sum())}


def test_row_count_follows_the_steps(counts, clean):
    c = counts
    expected_rows = c["raw"] - c["duplicates"] - c["aborted"] - c["negative_flow"] - c["incomplete_settings"]
    assert len(clean) == expected_rows
    assert c["duplicates"] > 0 and c["aborted"] > 0 and c["negative_flow"] > 0 and c["incomplete_settings"] > 0


def test_no_defects_left(clean):
    assert set(clean["alloy"]) == set(plant.ALLOYS)            # no label variants left
    assert set(clean["gas"]) == set(plant.GASES)
    assert not (clean["gas_pressure_mpa"] > 6.0).any()         # no pressure in bar
    assert clean["gas_pressure_mpa"].min() >= plant.RANGES["gas_pressure_mpa"][0]
    assert not (clean["melt_flow_kg_min"] < 0).any()           # no negative flow
    assert not (clean["sphericity"] > 1.0).any()               # no sphericity > 1
    assert not (clean["d10_um"] > clean["d90_um"]).any()       # no swapped D10/D90
    assert not clean.duplicated().any()
    assert "qc_grade" not in clean.columns


def test_unit_error_is_one_atomizer(counts):
    c = counts
    assert c["bar"] > 50 and c["bar_atomizers"] == ["VIGA-2"]


def test_missing_values_by_mechanism(clean):
    # the oxygen outage stays NaN as one block in time; "no flow" is NaN with its flag
    ts = clean.loc[clean["oxygen_ppm"].isna(), "timestamp"]
    block = clean["timestamp"].between(ts.min(), ts.max())
    assert clean.loc[block, "oxygen_ppm"].isna().all() and clean.loc[~block, "oxygen_ppm"].notna().all()
    assert clean["hall_flow_s_50g"].isna().equals(clean["no_flow"])
    assert set(clean.loc[clean["no_flow"], "alloy"]) == {"AlSi10Mg"}


def test_time_split_is_ordered_disjoint_and_complete(clean):
    tr, va, te = data.time_split(clean)
    assert len(tr) + len(va) + len(te) == len(clean)
    idx = [set(p.index) for p in (tr, va, te)]
    assert not (idx[0] & idx[1] or idx[0] & idx[2] or idx[1] & idx[2])
    assert idx[0] | idx[1] | idx[2] == set(clean.index)
    assert tr["timestamp"].max() < pd.Timestamp(data.VALID_START) <= va["timestamp"].min()
    assert va["timestamp"].max() < pd.Timestamp(data.TEST_START) <= te["timestamp"].min()


def test_preprocessor_standardizes_train_and_ignores_unseen_categories(clean):
    tr, va, _ = data.time_split(clean)
    pre = data.make_preprocessor().fit(tr[data.FEATURES])
    z = pre.transform(tr[data.FEATURES])
    k = len(data.NUMERIC)
    assert np.allclose(z[:, :k].mean(axis=0), 0.0, atol=1e-9)   # numeric columns first, standardized on train
    assert np.allclose(z[:, :k].std(axis=0), 1.0)
    assert isinstance(z, np.ndarray)                              # dense, for every model of the course
    unseen = va[data.FEATURES].head(3).assign(alloy="Cu")         # a category train never saw
    assert pre.transform(unseen).shape == (3, z.shape[1])
