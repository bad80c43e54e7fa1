"""Settings shared by the unit tests (a module, not conftest.py: tests import it by name)."""
import pandas as pd

from utils import plant

CALIBRATION = dict(alloy="316L", atomizer="VIGA-1", gas="Ar", gas_pressure_mpa=3.0, gas_temp_c=20.0,
                   melt_flow_kg_min=8.0, superheat_c=150.0, nozzle_diameter_mm=4.0, chamber_o2_ppm=100.0,
                   nozzle_hours=0.0)


def one(row: dict) -> pd.DataFrame:
    return pd.DataFrame([row])


def expected_at(row: dict, col: str) -> float:
    return float(plant.expected(one(row))[col].iloc[0])
