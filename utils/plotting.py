"""House style and the few plots the days share (introduced in day1_overview/00_setup_check).

Korean text renders through the NanumGothic font shipped by ``koreanize-matplotlib``. DejaVu Sans comes
first in the font list: it draws Latin text, µ, −, ², ³ (also in the math text of log-axis ticks, which
has no per-glyph fallback), and matplotlib falls back to NanumGothic for every Hangul glyph.
"""
from __future__ import annotations

import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np


def use_course_style() -> None:
    """One style for all notebooks: Korean font with a symbol fallback, readable sizes, grid."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import koreanize_matplotlib  # noqa: F401  (registers NanumGothic)
    mpl.rcParams.update({
        "font.family": ["DejaVu Sans", "NanumGothic"],
        "axes.unicode_minus": True,
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 80,
        "savefig.dpi": 80,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "legend.fontsize": 9,
        "figure.max_open_warning": 0,
    })
    # missing-glyph warnings would land on stderr, which nbval compares
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")


def parity_plot(y_true, y_pred, ax=None, unit: str = "", title: str = "예측 vs 실측 (parity plot)",
                noise_floor: float | None = None):
    """Measured (x) against predicted (y) with the identity line; shades ±noise floor if given."""
    ax = ax or plt.gca()
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    both = np.r_[y_true, y_pred]
    lo, hi = np.nanmin(both), np.nanmax(both)   # a missing value in either does not cut the line
    ax.scatter(y_true, y_pred, s=8, alpha=0.5)
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="y = x")
    if noise_floor is not None:
        ax.fill_between([lo, hi], [lo - noise_floor, hi - noise_floor], [lo + noise_floor, hi + noise_floor],
                        color="grey", alpha=0.2, label=f"±잡음 한계 ({noise_floor:.2f} {unit})")
    u = f" [{unit}]" if unit else ""
    ax.set(xlabel=f"실측값{u}", ylabel=f"예측값{u}", title=title)
    ax.legend(loc="upper left")
    return ax


def psd_plot(d10: float, d50: float, d90: float, ax=None, window=(15.0, 45.0), label: str = "PSD"):
    """Log-normal mass distribution (density over log size) from one heat's D10/D50/D90 (µm),
    with the L-PBF 15–45 µm window shaded."""
    from scipy.stats import norm

    from .plant import Z90

    ax = ax or plt.gca()
    ln_sg = (np.log(d90) - np.log(d10)) / (2 * Z90)
    x = np.logspace(0, np.log10(300), 400)
    dens = norm.pdf((np.log(x) - np.log(d50)) / ln_sg) / ln_sg
    earlier = sum(line.get_gid() == "psd" for line in ax.lines)  # PSDs already on these axes
    (curve,) = ax.plot(x, dens, gid="psd", label=f"{label} (D50 = {d50:.1f} µm, σg = {np.exp(ln_sg):.2f})")
    if window:
        ax.axvspan(*window, color="tab:green", alpha=0.15, label=f"{window[0]:g}–{window[1]:g} µm (L-PBF)")
    for d, name in ((d10, "D10"), (d50, "D50"), (d90, "D90")):  # markers in the curve's colour, labels stacked
        ax.axvline(d, color=curve.get_color(), ls=":", lw=1)
        ax.text(d, 0.02 + 0.12 * earlier, name, transform=ax.get_xaxis_transform(), rotation=90, fontsize=8,
                color=curve.get_color())
    ax.set_xscale("log")
    ax.set(xlabel="입자 크기 [µm]", ylabel="질량 밀도 [1/ln(µm)]", title="입도 분포 (PSD)")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def learning_curves(history: dict, ax=None, ylabel: str = "손실 (MSE)", title: str = "학습 곡선"):
    """Train/validation curves from a dict of lists (e.g. {'train': [...], 'valid': [...]})."""
    ax = ax or plt.gca()
    for name, values in history.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set(xlabel="에폭 (epoch)", ylabel=ylabel, title=title)
    ax.set_yscale("log")
    ax.legend()
    return ax
