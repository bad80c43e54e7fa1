"""Day 2 equalities, checked independently of the notebooks (day2_preprocessing/01_cleaning and
02_features_and_splits): the step-by-step cleaning equals ``data.load_clean()``, the time split is
ordered, disjoint and complete, and ``make_preprocessor()`` fitted on train standardizes train."""
import numpy as np
import pandas as pd
import pytest

from utils import data, plant


@pytest.fixture(scope="module")
def clean():
    return data.load_clean()


@pytest.fixture(scope="module")
def stepwise():
    """The Day 2 cleaning written out step by step (same order as 01_cleaning.ipynb), with counts."""
    raw = data.load_raw()
    counts = {"raw": len(raw), "duplicates": int(raw.duplicated().sum())}
    df = raw.drop_duplicates()
    aborted = df[plant.OUTCOMES].isna().all(axis=1)          # the pour left the window: no powder
    counts["aborted"] = int(aborted.sum())
    df = df[~aborted].copy()
    for col, mapping in (("alloy", data.ALLOY_LABELS), ("gas", data.GAS_LABELS)):
        key = df[col].astype(str).str.strip()
        df[col] = key.str.lower().map(mapping).fillna(key)
    in_bar = df["gas_pressure_mpa"] > plant.RANGES["gas_pressure_mpa"][1]
    counts["bar"] = int(in_bar.sum())
    counts["bar_atomizers"] = sorted(df.loc[in_bar, "atomizer"].unique())
    df.loc[in_bar, "gas_pressure_mpa"] = (df.loc[in_bar, "gas_pressure_mpa"] / 10.0).round(3)
    counts["negative_flow"] = int((df["melt_flow_kg_min"] < 0).sum())
    df = df[~(df["melt_flow_kg_min"] < 0)]
    counts["incomplete_settings"] = int(df[plant.SETTINGS].isna().any(axis=1).sum())
    df = df.dropna(subset=plant.SETTINGS)
    df.loc[df["sphericity"] > 1.0, "sphericity"] = np.nan
    swap = df["d10_um"] > df["d90_um"]
    df.loc[swap, ["d10_um", "d90_um"]] = df.loc[swap, ["d90_um", "d10_um"]].to_numpy()
    df["no_flow"] = df["hall_flow_s_50g"].str.strip().str.lower().eq("no flow")
    df["hall_flow_s_50g"] = pd.to_numeric(df["hall_flow_s_50g"].where(~df["no_flow"]))
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df = df.sort_values("timestamp", kind="stable").reset_index(drop=True).drop(columns=["qc_grade"])
    return df, counts


def test_stepwise_cleaning_equals_load_clean(stepwise, clean):
    df, _ = stepwise
    pd.testing.assert_frame_equal(df, clean)


def test_row_count_follows_the_steps(stepwise, clean):
    _, c = stepwise
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


def test_unit_error_is_one_atomizer(stepwise):
    _, c = stepwise
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


def test_preprocessor_standardizes_train(clean):
    tr, va, _ = data.time_split(clean)
    pre = data.make_preprocessor().fit(tr[data.FEATURES])
    z = pre.transform(tr[data.FEATURES])
    k = len(data.NUMERIC)
    assert np.allclose(z[:, :k].mean(axis=0), 0.0, atol=1e-9)
    assert np.allclose(z[:, :k].std(axis=0), 1.0)
    assert np.allclose(z[:, k:].sum(axis=1), len(data.CATEGORICAL))   # one 1 per categorical column
    assert pre.transform(va[data.FEATURES]).shape == (len(va), z.shape[1])


def test_gmr_by_hand_equals_helper(clean):
    row = clean.iloc[0]
    g = plant.GAS_PROPS[row["gas"]]
    p0, t0 = row["gas_pressure_mpa"] * 1e6, row["gas_temp_c"] + 273.15
    flux = p0 * np.sqrt(g["gamma"] / (g["R"] * t0)) * (2 / (g["gamma"] + 1)) ** (
        (g["gamma"] + 1) / (2 * (g["gamma"] - 1)))
    gmr = flux * 30e-6 / (row["melt_flow_kg_min"] / 60.0)
    assert np.isclose(gmr, data.add_physics_features(clean.head(1))["gmr_est"].iloc[0])
