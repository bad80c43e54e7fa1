"""Compare notebook text outputs with a tolerance for floating-point noise and nothing else.

Different CPUs pick different math kernels (torch, MKL, OpenBLAS), so a trained model's numbers move in
their last digits from machine to machine. nbval compares outputs as exact strings; the root
``conftest.py`` makes it use :func:`same_output` instead, which splits each text into words and numbers:

- the words (everything that is not a number) must match exactly, and so must the count of numbers; only
  the width of runs of spaces may change (a table column widens when a number gains a digit);
- a decimal number (``2.515``, ``3.9e-12``) may differ by 2 % of its size or two units of its last printed
  digit, whichever is larger (``2.515 -> 2.516`` passes, ``2.515 -> 2.9`` fails);
- an integer (``731``, ``1,000,000``) is a count and must match exactly.

A cell whose result is chaotic by nature (an early-stopping epoch, a count of points above a threshold)
declares a wider tolerance with a tag, which then applies to every number of that cell, integers too:
``nbval-tolerance-rel-0.2`` (20 % relative) and/or ``nbval-tolerance-abs-5`` (±5 absolute).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# A number: optional sign, digits (with thousands commas), optional decimals, optional exponent.
# It must not continue a word ("d50", "day3", "x2" stay text) nor a number ("15-45" is 15, "-", 45).
NUMBER = re.compile(r"(?<![A-Za-z_\d.])[-−]?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")
SPACES = re.compile(r"[ \t]+")
TAG = re.compile(r"^nbval-tolerance-(rel|abs)-(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class Tolerance:
    """How far a number may move: ``rel`` of its size or ``units`` of its last printed digit (decimals
    only), or ``abs``; ``ints`` says whether integers may move at all."""
    rel: float = 0.02
    units: float = 2.0
    abs: float = 0.0
    ints: bool = False

    @classmethod
    def from_tags(cls, tags) -> "Tolerance":
        """The default tolerance, widened by a cell's ``nbval-tolerance-rel-X`` / ``-abs-X`` tags."""
        kw = {}
        for tag in tags or ():
            m = TAG.match(tag)
            if m:
                kw[m.group(1)] = float(m.group(2))
        if not kw:
            return cls()
        return cls(rel=max(kw.get("rel", 0.0), cls.rel), abs=kw.get("abs", 0.0), ints=True)


def _value(token: str) -> tuple[float, float | None]:
    """(value, unit of the last printed digit); the unit is None for an integer."""
    t = token.replace("−", "-").replace(",", "")
    mantissa, _, exp = t.lower().partition("e")
    if "." not in mantissa and not exp:
        return float(t), None
    decimals = len(mantissa.partition(".")[2])
    return float(t), 10.0 ** (int(exp or 0) - decimals)


def split(text: str) -> tuple[list[str], list[str]]:
    """The words between the numbers, and the numbers, of a text."""
    return NUMBER.split(text), NUMBER.findall(text)


def number_mismatch(a: str, b: str, tol: Tolerance = Tolerance()) -> str | None:
    """Why number token ``b`` is not ``a`` within ``tol`` (None when it is)."""
    (x, ux), (y, uy) = _value(a), _value(b)
    if x == y:
        return None
    if ux is None and uy is None and not tol.ints:
        return f"{a} -> {b}: integers (counts) must match exactly"
    unit = max(u for u in (ux, uy, 0.0) if u is not None)
    allowed = max(tol.rel * max(abs(x), abs(y)), tol.units * unit, tol.abs)
    if abs(x - y) <= allowed * (1 + 1e-9):
        return None
    return f"{a} -> {b}: differs by {abs(x - y):.3g}, allowed {allowed:.3g}"


def explain(ref: str, test: str, tol: Tolerance = Tolerance()) -> str | None:
    """Why ``test`` is not ``ref`` up to numeric tolerance, or None when it is."""
    if ref == test:
        return None
    (ref_words, ref_nums), (test_words, test_nums) = split(ref), split(test)
    if len(ref_nums) != len(test_nums):
        return f"{len(ref_nums)} numbers expected, {len(test_nums)} found"
    for i, (a, b) in enumerate(zip(ref_words, test_words)):
        if a != b and SPACES.sub(" ", a) != SPACES.sub(" ", b):
            return f"text differs after number {i}: {a[:60]!r} -> {b[:60]!r}"
    for a, b in zip(ref_nums, test_nums):
        why = number_mismatch(a, b, tol)
        if why:
            return why
    return None


def same_output(ref, test, tol: Tolerance = Tolerance()) -> bool:
    """True when two outputs agree: equal, or texts equal up to numeric tolerance."""
    if isinstance(ref, str) and isinstance(test, str):
        return explain(ref, test, tol) is None
    return ref == test
