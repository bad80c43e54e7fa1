"""Shared helpers of the course (installed in editable mode, so ``import utils`` works everywhere).

- ``utils.plant``    the virtual gas-atomization plant and the optimization task (Day 1)
- ``utils.data``     loading, cleaning, splitting, preprocessing (Day 2)
- ``utils.optimize`` searching the task's settings with a model, the history's data support (Day 3)
- ``utils.plotting`` the house style with Korean fonts and shared plots (Day 1)
- ``utils.quiz``     interactive quizzes drawn from quizzes/*.json (every notebook)
- ``utils.train``    PyTorch training helpers (Day 5)

Every notebook's setup cell is its imports and one call, ``setup_notebook()``.
"""
from __future__ import annotations

import os
import random
import sys

import numpy as np

__all__ = ["seed_everything", "setup_notebook"]


def seed_everything(seed: int = 42, threads: int = 1) -> None:
    """Seed random, numpy and torch; fix the BLAS and torch thread counts and switch torch to
    deterministic algorithms, so every run prints the same numbers, fast on a small laptop
    (introduced in day1_overview/00_setup_check). Torch is seeded when it is already imported
    (import torch or utils.train first, as the setup cells of Days 5–6 do), so notebooks without
    deep learning do not pay for importing it. Torch's default dtype becomes float64
    (day5_deep/01_tensors_to_mlp says why): float32 round-off differs between CPUs' math kernels and
    grows during training, so float32 runs end a few % apart on different laptops; float64 runs agree."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)   # multi-threaded BLAS is slower on 2 cores and may reorder sums
    random.seed(seed)
    np.random.seed(seed)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch = sys.modules.get("torch")
    if torch is None:
        return
    torch.manual_seed(seed)
    torch.set_default_dtype(torch.float64)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)
    if torch.backends.cudnn.is_available():
        torch.backends.cudnn.benchmark = False


def setup_notebook(seed: int = 42, threads: int = 1) -> None:
    """Everything a notebook's setup cell does, in one call (introduced in day1_overview/00_setup_check):
    ``seed_everything(seed, threads)``, the course's figure style (Korean font, sizes), scikit-learn models
    printed as text and pandas tables with 3 decimals, up to 120 characters wide and 30 columns. Import
    torch (or ``utils.train``) before calling it in notebooks that train networks, so torch is seeded too."""
    import pandas as pd
    import sklearn

    from .plotting import use_course_style

    seed_everything(seed, threads)
    use_course_style()
    sklearn.set_config(display="text")
    pd.set_option("display.precision", 3)
    pd.set_option("display.width", 120)
    pd.set_option("display.max_columns", 30)
