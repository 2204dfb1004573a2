"""The one place that sets numba options for every kernel of kl-mobility.

``cache=True`` keeps compiled machine code beside the sources so later processes skip the
JIT; ``nogil=True`` lets threads run kernels in parallel; ``fastmath`` stays off so results
are bit-for-bit reproducible across runs and machines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numba

__all__ = ["NJIT_OPTIONS", "njit", "njit_parallel"]

NJIT_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True, "fastmath": False}

F = TypeVar("F", bound=Callable[..., Any])


def njit(fn: F) -> F:
    """``@njit`` with the project's options (typed as the plain function for checkers)."""
    return numba.njit(**NJIT_OPTIONS)(fn)  # type: ignore[no-any-return]


def njit_parallel(fn: F) -> F:
    """``@njit(parallel=True)`` with the project's options (for ``numba.prange`` loops)."""
    return numba.njit(parallel=True, **NJIT_OPTIONS)(fn)  # type: ignore[no-any-return]
