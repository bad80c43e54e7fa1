"""Bad input gets a clear ValueError that names the column, the value and the allowed range."""
import numpy as np
import pandas as pd
import pytest

from utils import data, plant
from helpers import CALIBRATION


def settings(**change):
    return pd.DataFrame([{**CALIBRATION, **change}])


@pytest.mark.parametrize("change,words", [
    ({"gas_pressure_mpa": 7.5}, ["gas_pressure_mpa", "7.5", "1.5", "6"]),
    ({"gas_pressure_mpa": 30.0}, ["gas_pressure_mpa", "30"]),             # bar instead of MPa
    ({"gas_temp_c": -5.0}, ["gas_temp_c", "-5", "20", "350"]),
    ({"superheat_c": 400.0}, ["superheat_c", "400", "300"]),
    ({"melt_flow_kg_min": -8.0}, ["melt_flow_kg_min", "-8"]),
    ({"chamber_o2_ppm": 5000.0}, ["chamber_o2_ppm", "5000", "800"]),
    ({"nozzle_diameter_mm": 4.2}, ["nozzle_diameter_mm", "4.2", "allowed"]),
    ({"alloy": "Ti-6Al-4V"}, ["alloy", "Ti-6Al-4V", "316L"]),             # unnormalized label
    ({"gas": "He"}, ["gas", "He", "Ar"]),
    ({"atomizer": "VIGA-3"}, ["atomizer", "VIGA-3"]),
    ({"alloy": "Ti64", "atomizer": "EIGA", "melt_flow_kg_min": 1.0, "gas": "N2"}, ["gas", "Ti64", "Ar"]),
    ({"alloy": "Ti64", "atomizer": "EIGA", "melt_flow_kg_min": 3.0}, ["melt_flow_kg_min", "Ti64", "EIGA", "2"]),
    ({"alloy": "Ti64"}, ["atomizer", "Ti64", "EIGA"]),                   # reactive: crucible-free only
    ({"atomizer": "EIGA"}, ["atomizer", "316L", "VIGA-1"]),
    ({"melt_flow_kg_min": 1.0}, ["melt_flow_kg_min", "VIGA-1", "2"]),
    ({"gas_temp_c": np.nan}, ["gas_temp_c", "NaN"]),
    ({"superheat_c": "hot"}, ["superheat_c", "numeric"]),
])
def test_plant_rejects_bad_settings(change, words):
    with pytest.raises(ValueError) as err:
        plant.expected(settings(**change))
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_missing_column_named():
    with pytest.raises(ValueError, match="nozzle_hours"):
        plant.simulate(settings().drop(columns="nozzle_hours"))


def test_not_a_dataframe():
    with pytest.raises(ValueError, match="DataFrame"):
        plant.expected(CALIBRATION)


def test_task_bounds_and_missing_decision():
    T = plant.TASK
    with pytest.raises(ValueError, match="melt_flow_kg_min"):
        T.objective({**T.standard_recipe, "melt_flow_kg_min": 3.0})
    with pytest.raises(ValueError, match="superheat_c"):
        T.objective({k: v for k, v in T.standard_recipe.items() if k != "superheat_c"})
    with pytest.raises(ValueError, match="one settings row"):
        T.report(pd.DataFrame([T.standard_recipe] * 2))


def test_noise_floor_unknown_target():
    with pytest.raises(ValueError, match="unknown target"):
        plant.noise_floor(settings(), "d42_um")


def test_missing_data_file_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m utils.plant --out"):
        data.load_raw(tmp_path / "nope.csv")


def test_altered_data_file_detected(tmp_path, monkeypatch):
    f = tmp_path / "atomizer_batches.csv"
    f.write_bytes(data.RAW_FILE.read_bytes().replace(b"316L", b"316X", 1))
    monkeypatch.setattr(data, "RAW_FILE", f)
    with pytest.raises(ValueError, match="altered"):
        data.load_raw()


def test_wrong_schema(tmp_path):
    f = tmp_path / "x.csv"
    data.load_raw().drop(columns="superheat_c").to_csv(f, index=False)
    with pytest.raises(ValueError, match="superheat_c"):
        data.load_raw(f)


def test_xy_unknown_target_and_feature():
    df = data.load_clean()
    with pytest.raises(ValueError, match="unknown target"):
        data.xy(df, "yield")
    with pytest.raises(ValueError, match="qc_grade"):
        data.xy(df, "d50_um", features=["qc_grade"])


def test_crlf_dataset_names_cause_and_fix(tmp_path, monkeypatch):
    """A Windows clone that converted line endings gets told so, and how to restore the file."""
    crlf = tmp_path / "atomizer_batches.csv"
    crlf.write_bytes(data.RAW_FILE.read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setattr(data, "RAW_FILE", crlf)
    with pytest.raises(ValueError, match=r"Windows line endings \(CRLF\).*\.gitattributes.*git checkout"):
        data.load_raw(crlf)


def test_gitattributes_keep_the_dataset_byte_exact():
    import subprocess
    r = subprocess.run(["git", "check-attr", "text", "data/atomizer_batches.csv"], cwd=data.RAW_FILE.parents[1],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("not a git checkout")
    assert r.stdout.strip().endswith("text: unset"), r.stdout


@pytest.mark.parametrize("change,words", [
    ({"alloy": "Unobtainium"}, ["alloy", "Unobtainium"]),
    ({"gas_pressure_mpa": -2.0}, ["gas_pressure_mpa", "-2"]),
])
def test_physics_features_validate_with_the_plant(change, words):
    """add_physics_features uses the plant's own gas physics and its validation (no silent NaN or negative GMR)."""
    with pytest.raises(ValueError) as err:
        data.add_physics_features(settings(**change))
    for w in words:
        assert w in str(err.value)


def test_physics_features_match_the_plant():
    row = settings()
    f = data.add_physics_features(row).iloc[0]
    assert f["gas_velocity_m_s"] == pytest.approx(float(plant.gas_jet(row)["V_g"].iloc[0]))
    permuted = settings(alloy="316L", atomizer="EIGA")        # a hypothetical row from a permutation test
    assert np.isfinite(data.add_physics_features(permuted)["log_gmr_est"]).all()
