"""The one place that sets numba options for every kernel of kl-mobility.

``cache=True`` keeps compiled machine code beside the sources so later processes skip the
JIT; ``nogil=True`` lets threads run kernels in parallel; ``fastmath`` stays off so results
are bit-for-bit reproducible across runs and machines.
"""

from __future__ import annotations

import functools

import numba

__all__ = ["NJIT_OPTIONS", "njit", "njit_parallel"]

NJIT_OPTIONS = {"cache": True, "nogil": True, "fastmath": False}

njit = functools.partial(numba.njit, **NJIT_OPTIONS)
"""``@njit`` with the project's options."""

njit_parallel = functools.partial(numba.njit, parallel=True, **NJIT_OPTIONS)
"""``@njit(parallel=True)`` with the project's options (for ``numba.prange`` loops)."""
