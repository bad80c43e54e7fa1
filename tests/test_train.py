"""utils.train and the plant's command line: clear errors and safe defaults (code review L3, L4, L22)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from utils import train

ROOT = Path(__file__).resolve().parent.parent


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        train.MLP(3, activation="relux")
    with pytest.raises(ValueError, match="choose one of"):
        train.ResidualMLP(3, activation="gelu?")


def test_helpers_follow_the_models_device():
    import torch
    net = train.MLP(2, width=4, depth=1)
    assert train._device_of(net) == torch.device("cpu")
    X, y = np.random.rand(8, 2), np.random.rand(8, 1)
    train.fit(net, (X, y), epochs=2, patience=None)
    assert train.predict(net, X).shape[0] == 8 and np.isfinite(train.evaluate(net, (X, y)))


def test_plant_command_line_does_not_overwrite_the_dataset_by_accident():
    shipped = ROOT / "data" / "atomizer_batches.csv"
    before = shipped.read_bytes()
    r = subprocess.run([sys.executable, "-m", "utils.plant", "--out", str(shipped), "--seed", "7"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode != 0 and "--force" in r.stderr
    assert shipped.read_bytes() == before
