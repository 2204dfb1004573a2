"""The one place that sets numba options for every kernel of kl-mobility.

``cache=True`` keeps compiled machine code beside the sources so later processes skip the
JIT; ``nogil=True`` lets threads run kernels in parallel; ``fastmath`` stays off so results
are bit-for-bit reproducible across runs and machines.

numba checks a cached kernel against the source file it is defined in only, while a kernel
compiles the kernels it calls from other files into its own machine code: after a change of
``insertion.py`` alone, the cached event loop of another file would still run the old
insertion. So the kernels of kl-mobility are cached under a stamp of their own file *and*
every source file of this folder (:func:`source_stamp`): any change of a kernel recompiles
every kernel that may call it, never runs stale code (numba's own locators, wrapped for the
files of this package only; other packages' caches are untouched).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numba

__all__ = ["NJIT_OPTIONS", "njit", "njit_inline", "njit_parallel", "source_stamp"]

KERNELS_DIR = Path(__file__).resolve().parent
"""The folder whose sources every kernel's cache stamp covers."""
PACKAGE_DIR = KERNELS_DIR.parent
"""Kernels defined in files below it get the package's stamp (network/oracle.py too)."""


@lru_cache(maxsize=64)
def _digest(files: tuple[tuple[str, float, int], ...]) -> bytes:
    h = hashlib.sha256()
    for path, _, _ in files:  # mtime and size only key the memo: a changed file re-hashes
        h.update(Path(path).name.encode())
        h.update(b"\0")
        h.update(Path(path).read_bytes())
    return h.digest()


def source_stamp(py_file: str | Path, kernels_dir: Path = KERNELS_DIR) -> bytes:
    """SHA-256 over the source of ``py_file`` and of every ``*.py`` of ``kernels_dir``
    (sorted by name): the cache stamp of a kernel defined in ``py_file``."""
    files = [Path(py_file).resolve(), *sorted(Path(kernels_dir).glob("*.py"))]
    return _digest(tuple((str(p), p.stat().st_mtime, p.stat().st_size) for p in files))


def _inside_package(py_file: str) -> bool:
    try:
        return Path(py_file).resolve().is_relative_to(PACKAGE_DIR)
    except (OSError, ValueError):
        return False


_FILE_LOCATORS = ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")
"""numba's locators for functions of plain source files (not IPython cells, not zips)."""


def _install_locators() -> None:
    """Put a package-stamped variant of each of numba's file-backed cache locators in front
    of it (module docstring); a numba without them keeps its own (checked by a test)."""
    from numba.core import caching

    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    if impl is None or getattr(impl, "_kl_mobility_stamped", False):
        return
    classes: list[Any] = []
    for cls in impl._locator_classes:
        if cls.__name__.lstrip("_") in _FILE_LOCATORS:
            classes.append(_stamped(cls))
        classes.append(cls)
    impl._locator_classes = classes
    impl._kl_mobility_stamped = True


def _stamped(base: Any) -> Any:
    class Stamped(base):  # type: ignore[misc, valid-type]
        @classmethod
        def from_function(cls, py_func: Any, py_file: str) -> Any:
            if not _inside_package(py_file):
                return None
            return super().from_function(py_func, py_file)

        def get_source_stamp(self) -> bytes:
            return source_stamp(self._py_file)

    Stamped.__name__ = Stamped.__qualname__ = f"KlMobility{base.__name__.lstrip('_')}"
    return Stamped


_install_locators()

NJIT_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True, "fastmath": False}

F = TypeVar("F", bound=Callable[..., Any])


def njit(fn: F) -> F:
    """``@njit`` with the project's options (typed as the plain function for checkers)."""
    return numba.njit(**NJIT_OPTIONS)(fn)  # type: ignore[no-any-return]


def njit_inline(fn: F) -> F:
    """``@njit(inline="always")`` with the project's options: a small helper called in a
    kernel's hot loop, inlined into its callers' numba IR. A plain call takes a reference
    to every array it is passed or slices (an atomic increment and decrement each); inlined,
    numba prunes those pairs (a per-vehicle helper of the insertion search measured about
    4x faster). It stays callable on its own."""
    return numba.njit(inline="always", **NJIT_OPTIONS)(fn)  # type: ignore[no-any-return]


def njit_parallel(fn: F) -> F:
    """``@njit(parallel=True)`` with the project's options (for ``numba.prange`` loops)."""
    return numba.njit(parallel=True, **NJIT_OPTIONS)(fn)  # type: ignore[no-any-return]
