"""The data card's stated numbers are recomputed here, so the card cannot drift from the plant; and it keeps
the task's true optimum hidden, as Day 1 promises."""
import re
from pathlib import Path

from utils import plant

CARD = (Path(__file__).resolve().parent.parent / "data" / "README.md").read_text(encoding="utf-8")


def row(label):
    line = next(line for line in CARD.splitlines() if line.startswith(f"| {label} "))
    return [c.strip() for c in line.strip("|").split("|")][1:]


def test_task_rows_match_the_plant_and_hide_the_optimum():
    T = plant.TASK
    x, best = T.true_optimum()
    std = float(T.objective(T.standard_recipe).iloc[0])
    rec = [float(v) for v in row("standard recipe")]
    assert rec[-1] == round(std, 1)
    assert rec[:5] == [T.standard_recipe[k] for k in T.bounds]
    for hidden in (f"{best:.1f}", f"{best:.2f}", f"{best - std:.1f} yield points"):
        assert hidden not in CARD, f"the card reveals the true optimum ({hidden})"


def test_calibration_rows_match_the_plant():
    from helpers import CALIBRATION, one
    lat = plant._latent(plant._validate(one(CALIBRATION)))
    assert re.search(rf"\| d50 \| 20–40 µm \| {lat['d50'][0]:.1f} µm \|", CARD)
    assert re.search(rf"\| σ_g \| 1.9–2.3 \| {lat['sigma_g'][0]:.2f} \|", CARD)


def test_version_2_rows_match_the_plant():
    from test_plant import calibration_v2
    values = {name: value for name, _, value, _ in calibration_v2()}
    assert f"| {values['standard 316L recipe, 15–45 µm yield [%]']:.1f} % |" in CARD
    assert f"| {values['AlSi10Mg d50 at its recipe (N2) [µm]']:.1f} µm |" in CARD
    assert f"| {values['Ti64 d50 on EIGA at its recipe [µm]']:.1f} µm |" in CARD
    hall = "{:.1f} / {:.1f} / {:.1f}".format(*(values[f"Hall flow {a} [s/50 g]"] for a in ("316L", "IN718", "Ti64")))
    assert f"| {hall} |" in CARD
    assert f"| {values['size floor: top/bottom pressure elasticity, worst pair']:.2f} |" in CARD
    assert f"| {values['316L yield-best superheat [K] (interior)']:.0f} K |" in CARD
    assert f"| {values['IN718 oxygen at 10 ppm chamber O2 [ppm]']:.0f} ppm |" in CARD
    assert f"| {values['aborted heats in the history (pour window)']:.0f} |" in CARD
