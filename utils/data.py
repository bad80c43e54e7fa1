"""Loading, cleaning and splitting the shipped dataset (introduced in day2_preprocessing).

``load_raw()`` reads ``data/atomizer_batches.csv`` exactly as the plant historian wrote it;
``load_clean()`` applies the Day 2 cleaning in one tested function; ``time_split()`` gives the
train / validation / test split by time that Days 3–6 share; ``make_preprocessor()`` is the Day 2
``ColumnTransformer``.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from . import plant

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
RAW_FILE = DATA_DIR / "atomizer_batches.csv"
RAW_SHA256 = "3235a7750a3662dff6d5e1ebdc9d5d12d6c43fe444c8334cf0a417b50ab08c28"
REGENERATE = "python -m utils.plant --out data/atomizer_batches.csv"

CATEGORICAL = ["alloy", "atomizer", "gas"]
NUMERIC = ["gas_pressure_mpa", "gas_temp_c", "melt_flow_kg_min", "superheat_c",
           "nozzle_diameter_mm", "chamber_o2_ppm", "nozzle_hours"]
FEATURES = CATEGORICAL + NUMERIC          # the recipe and the nozzle state: what a model may use
TARGETS = list(plant.OUTCOMES)
CONTEXT = ["batch_id", "timestamp", "operator", "shift", "ambient_humidity_pct"]
LEAKAGE = ["qc_grade"]                    # assigned after measuring the powder: never a feature
RAW_COLUMNS = CONTEXT + plant.SETTINGS + plant.OUTCOMES + LEAKAGE

ALLOY_LABELS = {"316l": "316L", "ss316l": "316L", "in718": "IN718", "inconel 718": "IN718",
                "ti-6al-4v": "Ti64", "ti64": "Ti64", "alsi10mg": "AlSi10Mg"}
GAS_LABELS = {"ar": "Ar", "argon": "Ar", "n2": "N2", "nitrogen": "N2"}

# time_split boundaries: test = the last quarter ("tomorrow's powder"), validation = the one before
VALID_START = "2025-07-01"
TEST_START = "2025-10-01"


def sha256(path) -> str:
    """SHA-256 hex digest of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_raw(path=None, check: bool = True) -> pd.DataFrame:
    """The raw history as shipped (all columns as read; hall flow is text because of "no flow").
    Checks that the file exists, is unaltered (SHA-256) and has the expected columns."""
    path = Path(path) if path is not None else RAW_FILE
    if not path.exists():
        raise FileNotFoundError(f"data file {path} is missing; regenerate it from the repository "
                                f"root with: {REGENERATE}")
    if check and path.resolve() == RAW_FILE.resolve() and sha256(path) != RAW_SHA256:
        raw = path.read_bytes()
        if b"\r\n" in raw and hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest() == RAW_SHA256:
            raise ValueError(f"data file {path} has Windows line endings (CRLF): git or an editor converted "
                             "it. The repository's .gitattributes keeps data/*.csv byte-exact; restore it with "
                             "`git rm --cached -q data/atomizer_batches.csv && git checkout -- data/` "
                             f"(or regenerate it: {REGENERATE}).")
        raise ValueError(f"data file {path} has been altered (SHA-256 differs from the shipped "
                         f"file); restore it with `git checkout -- data/` or: {REGENERATE}")
    df = pd.read_csv(path, dtype={"hall_flow_s_50g": str})
    missing = [c for c in RAW_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"data file {path} lacks column(s) {missing}; expected {RAW_COLUMNS}.")
    return df


def normalize_labels(s: pd.Series, mapping: dict) -> pd.Series:
    """Strip blanks and map spelling variants to the canonical label (unknown labels kept)."""
    clean = s.astype(str).str.strip()
    return clean.str.lower().map(mapping).fillna(clean)


def load_clean(path=None, keep_qc_grade: bool = False) -> pd.DataFrame:
    """The shipped raw file (or ``path``) cleaned by ``clean()``: the table Days 3–6 start from."""
    return clean(load_raw(path), keep_qc_grade=keep_qc_grade)


def clean(raw: pd.DataFrame, keep_qc_grade: bool = False) -> pd.DataFrame:
    """The Day 2 cleaning of a raw table (day2_preprocessing/01_cleaning.ipynb derives each step;
    also for fresh ``plant.history()`` tables):

    1. drop duplicated uploads and aborted heats (no powder: every outcome missing, the pour left
       ``plant.POUR_WINDOW_M_S``);  2. normalize alloy and gas labels;
    3. convert the pressures logged in bar (values above the plant's 6 MPa) to MPa;
    4. drop heats with an impossible recipe value (negative melt flow) or a missing setting;
       set impossible measurements to NaN (sphericity > 1) and swap back D10/D90 where D10 > D90;
    5. Hall flow to numbers, "no flow" -> NaN with the flag column ``no_flow`` (information, not noise);
    6. parse the time stamp, sort by time; drop the leakage column ``qc_grade`` (unless asked to keep it).
    Missing outcomes (e.g. the oxygen-analyser outage) stay NaN: drop them per target when modelling.
    """
    missing = [c for c in RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"clean() needs the raw columns {missing}; pass a table from load_raw() or plant.history().")
    df = raw.drop_duplicates()
    df = df[df[plant.OUTCOMES].notna().any(axis=1)].copy()
    df["hall_flow_s_50g"] = df["hall_flow_s_50g"].astype(str)
    df["alloy"] = normalize_labels(df["alloy"], ALLOY_LABELS)
    df["gas"] = normalize_labels(df["gas"], GAS_LABELS)
    in_bar = df["gas_pressure_mpa"] > plant.RANGES["gas_pressure_mpa"][1]
    df.loc[in_bar, "gas_pressure_mpa"] = (df.loc[in_bar, "gas_pressure_mpa"] / 10.0).round(3)
    df = df[~(df["melt_flow_kg_min"] < 0)]
    df = df.dropna(subset=plant.SETTINGS)
    df.loc[df["sphericity"] > 1.0, "sphericity"] = np.nan
    swapped = df["d10_um"] > df["d90_um"]
    df.loc[swapped, ["d10_um", "d90_um"]] = df.loc[swapped, ["d90_um", "d10_um"]].to_numpy()
    df["no_flow"] = df["hall_flow_s_50g"].str.strip().str.lower().eq("no flow")
    df["hall_flow_s_50g"] = pd.to_numeric(df["hall_flow_s_50g"].where(~df["no_flow"]))
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df = df.sort_values("timestamp", kind="stable").reset_index(drop=True)
    if not keep_qc_grade:
        df = df.drop(columns=LEAKAGE)
    return df


def time_split(df: pd.DataFrame, valid_start: str = VALID_START, test_start: str = TEST_START):
    """Split by time: (train, validation, test) = heats before ``valid_start``, the quarter up to
    ``test_start``, and the last quarter ("tomorrow's powder"). Never shuffles."""
    if "timestamp" not in df.columns:
        raise ValueError("time_split needs a 'timestamp' column (use utils.data.load_clean()).")
    if pd.Timestamp(valid_start) >= pd.Timestamp(test_start):
        raise ValueError(f"valid_start ({valid_start}) must come before test_start ({test_start}); "
                         "otherwise the validation period is empty.")
    ts = pd.to_datetime(df["timestamp"])
    train = df[ts < valid_start]
    valid = df[(ts >= valid_start) & (ts < test_start)]
    test = df[ts >= test_start]
    return train, valid, test


def xy(df: pd.DataFrame, target: str, features=None):
    """(X, y) for one target, dropping rows where that target is missing."""
    if target not in df.columns:
        raise ValueError(f"unknown target {target!r}; choose one of {TARGETS}.")
    features = FEATURES if features is None else features
    missing = [c for c in features if c not in df.columns]
    if missing:
        raise ValueError(f"feature column(s) {missing} not in the table; available: {list(df.columns)}.")
    d = df.dropna(subset=[target])
    return d[features], d[target]


def add_physics_features(df: pd.DataFrame) -> pd.DataFrame:
    """Add physics features an engineer can compute from the recipe (day2_preprocessing/02):
    estimated gas-to-melt ratio ``gmr_est`` (choked-flow gas rate for a nominal slit area),
    gas velocity ``gas_velocity_m_s``, ``weber_est`` and log transforms ``log_*`` of the main settings."""
    out = df.copy()
    s = out[plant.SETTINGS]
    jet = plant.gas_jet(s)                    # validates the settings (clear errors) and uses the plant's physics
    nominal_slit_area_m2 = 30e-6
    out["gmr_est"] = jet["G_star"] * nominal_slit_area_m2 / (s["melt_flow_kg_min"].astype(float) / 60.0)
    out["gas_velocity_m_s"] = v = jet["V_g"]
    out["weber_est"] = jet["rho"] * v ** 2 * s["nozzle_diameter_mm"].astype(float) * 1e-3 / jet["sigma"]
    for c in ("gas_pressure_mpa", "gas_temp_c", "melt_flow_kg_min", "superheat_c", "nozzle_diameter_mm"):
        out[f"log_{c}"] = np.log(s[c].astype(float) + (273.15 if c == "gas_temp_c" else 0.0))
    out["log_gmr_est"] = np.log(out["gmr_est"])
    out["log_weber_est"] = np.log(out["weber_est"])
    return out


PHYSICS_FEATURES = ["log_gmr_est", "log_weber_est", "gas_velocity_m_s", "log_gas_pressure_mpa",
                    "log_gas_temp_c", "log_melt_flow_kg_min", "log_superheat_c",
                    "log_nozzle_diameter_mm"]


def make_preprocessor(numeric=None, categorical=None):
    """The Day 2 ``ColumnTransformer``: standardize numeric columns, one-hot encode categories
    (unknown categories ignored). Fit it on training data only, inside a ``Pipeline``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = NUMERIC if numeric is None else list(numeric)
    categorical = CATEGORICAL if categorical is None else list(categorical)
    return ColumnTransformer(
        [("num", StandardScaler(), numeric),
         ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)],
        verbose_feature_names_out=False)
