"""The shipped dataset: byte-identical regeneration, checksum, defects present, cleaning results, split."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from utils import data, plant


def test_regeneration_is_byte_identical(tmp_path):
    out = tmp_path / "x.csv"
    subprocess.run([sys.executable, "-m", "utils.plant", "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == data.RAW_FILE.read_bytes()
    assert data.sha256(out) == data.RAW_SHA256


def test_raw_file_has_its_defects():
    raw = data.load_raw()
    assert 2900 <= len(raw) <= 3200
    assert raw.duplicated().sum() > 20
    assert raw["alloy"].nunique() > 4 and raw["gas"].nunique() > 2
    bar = raw["gas_pressure_mpa"] > 6
    assert bar.sum() > 50 and set(raw.loc[bar, "atomizer"]) == {"VIGA-2"}
    assert (raw["hall_flow_s_50g"] == "no flow").sum() > 50
    assert raw["oxygen_ppm"].isna().sum() > 100
    assert (raw["melt_flow_kg_min"] < 0).sum() >= 1 and (raw["sphericity"] > 1).sum() >= 1
    assert (raw["d10_um"] > raw["d90_um"]).sum() >= 1
    assert set(raw["qc_grade"].dropna()) == {"A", "B", "C"}      # empty for the aborted heats
    assert raw[plant.OUTCOMES].isna().all(axis=1).sum() >= 10     # aborted heats: no powder


def test_outage_is_a_block_in_time():
    raw = data.load_raw()
    ts = pd.to_datetime(raw["timestamp"])
    miss = ts[raw["oxygen_ppm"].isna() & raw["d50_um"].notna()]      # not the aborted heats
    assert (miss.dt.to_period("M").value_counts().iloc[0]) > 0.5 * len(miss)


def test_load_clean_results():
    df = data.load_clean()
    assert not df.duplicated().any()
    assert set(df["alloy"]) == set(plant.ALLOYS) and set(df["gas"]) == set(plant.GASES)
    assert df["gas_pressure_mpa"].between(1.5, 6.0).all()
    assert (df["melt_flow_kg_min"] > 0).all() and not df[plant.SETTINGS].isna().any().any()
    assert (df["sphericity"].dropna() <= 1).all() and (df["d10_um"] < df["d90_um"]).all()
    assert "qc_grade" not in df and "qc_grade" in data.load_clean(keep_qc_grade=True)
    assert df["no_flow"].sum() > 50 and df.loc[df["no_flow"], "hall_flow_s_50g"].isna().all()
    assert df["timestamp"].is_monotonic_increasing
    plant.expected(df[plant.SETTINGS])          # every cleaned recipe is accepted by the plant


def test_cleaned_data_agree_with_the_plant():
    """The cleaned measurements scatter about the noise-free truth by about the stated noise."""
    df = data.load_clean()
    truth = plant.expected(df[plant.SETTINGS])
    rel = np.log(df["d50_um"] / truth["d50_um"]).std()
    assert 0.04 < rel < 0.07


def test_simpsons_paradox():
    df = data.load_clean()
    pooled = df["gas_pressure_mpa"].corr(df["d50_um"])
    within = df.groupby("alloy")[["gas_pressure_mpa", "d50_um"]].apply(lambda g: g.corr().iloc[0, 1])
    assert pooled > 0.1 and (within < -0.2).all()


def test_time_split_sizes():
    tr, va, te = data.time_split(data.load_clean())
    assert len(te) > 250 and len(va) > 250 and len(tr) > len(va) + len(te)


def test_clean_works_on_a_fresh_history():
    """data.clean promises to clean any plant.history() table, not only the shipped one."""
    raw = plant.history(n_batches=600, seed=7)
    df = data.clean(raw)
    assert 0 < len(df) < len(raw) and not df[plant.SETTINGS].isna().any().any()
    plant.expected(df[plant.SETTINGS])


def test_xy_drops_rows_without_target():
    df = data.load_clean()
    X, y = data.xy(df, "oxygen_ppm")
    assert len(X) == len(y) == df["oxygen_ppm"].notna().sum() and y.notna().all()


def test_physics_features():
    df = data.add_physics_features(data.load_clean().head(50))
    lat = plant._latent(plant._validate(df[plant.SETTINGS]))
    assert np.allclose(df["gas_velocity_m_s"], lat["V_g"])
    assert all(c in df for c in data.PHYSICS_FEATURES)


def test_reversed_split_is_refused():
    df = data.load_clean()
    with pytest.raises(ValueError, match="must come before"):
        data.time_split(df, valid_start="2025-12-01", test_start="2025-10-01")
