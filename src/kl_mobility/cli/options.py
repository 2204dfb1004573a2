"""Checked types of command-line options: numbers that must be finite and in range.

``argparse`` turns ``--time-limit nan`` into ``float("nan")``, which passes every
comparison; these types refuse NaN, infinities and values out of range with one message
naming the option's value (the parser adds the option's name).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["finite_float", "int_at_least", "seed"]


def finite_float(lo: float | None = None, hi: float | None = None, *,
                 lo_open: bool = False) -> Callable[[str], float]:
    """An ``argparse`` type: a finite number in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if lo is not None and (value <= lo if lo_open else value < lo):
            raise argparse.ArgumentTypeError(f"must be {'>' if lo_open else '>='} {lo:g}, "
                                             f"got {text!r}")
        if hi is not None and value > hi:
            raise argparse.ArgumentTypeError(f"must be <= {hi:g}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse


def int_at_least(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """An ``argparse`` type: an integer ``>= lo`` (and ``<= hi``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            bound = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
            raise argparse.ArgumentTypeError(f"must be an integer {bound}, got {text!r}")
        return value

    parse.__name__ = "integer"
    return parse


seed = int_at_least(0, 2**63 - 1)
"""A random seed: an integer in [0, 2^63 - 1] (the range scenarios accept)."""
