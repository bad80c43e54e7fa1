"""The data card's stated numbers are recomputed here, so the card cannot drift from the plant."""
import re
from pathlib import Path

from utils import plant

CARD = (Path(__file__).resolve().parent.parent / "data" / "README.md").read_text(encoding="utf-8")


def row(label):
    line = next(line for line in CARD.splitlines() if line.startswith(f"| {label} "))
    return [c.strip() for c in line.strip("|").split("|")][1:]


def test_task_rows_match_the_plant():
    T = plant.TASK
    x, best = T.true_optimum()
    std = float(T.objective(T.standard_recipe).iloc[0])
    opt = [float(v) for v in row("true optimum (noise-free global search)")]
    assert opt[-1] == round(best, 1)
    for v, k in zip(opt[:5], T.bounds):
        assert abs(v - x[k]) <= 0.5 + 0.01 * abs(x[k])
    rec = [float(v) for v in row("standard recipe")]
    assert rec[-1] == round(std, 1)
    assert rec[:5] == [T.standard_recipe[k] for k in T.bounds]
    assert f"The gap is {best - std:.1f} yield points" in CARD


def test_calibration_rows_match_the_plant():
    from conftest import CALIBRATION, one
    lat = plant._latent(plant._validate(one(CALIBRATION)))
    assert re.search(rf"\| d50 \| 20–40 µm \| {lat['d50'][0]:.1f} µm \|", CARD)
    assert re.search(rf"\| σ_g \| 1.7–2.1 \| {lat['sigma_g'][0]:.2f} \|", CARD)
