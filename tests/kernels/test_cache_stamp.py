"""The numba cache stamp of the project's kernels covers every kernel source file, so a
kernel compiled with a callee from another file is never loaded stale after that file
changes (kl_mobility.kernels._options)."""

from __future__ import annotations

from pathlib import Path

import numba
from numba.core import caching

from kl_mobility.kernels import _options
from kl_mobility.kernels._options import source_stamp


def test_stamp_moves_with_any_kernel_file(tmp_path):
    """Own file a.py and kernels b.py, c.py: changing c.py (a callee's file, not the
    kernel's own) changes a.py's stamp; restoring it restores the stamp."""
    kernels = tmp_path / "kernels"
    kernels.mkdir()
    for name in ("a", "b", "c"):
        (kernels / f"{name}.py").write_text(f"X = '{name}'\n")
    own = kernels / "a.py"
    before = source_stamp(own, kernels)
    assert source_stamp(own, kernels) == before
    (kernels / "c.py").write_text("X = 'changed'\n")
    assert source_stamp(own, kernels) != before
    (kernels / "c.py").write_text("X = 'c'\n")
    assert source_stamp(own, kernels) == before
    (kernels / "d.py").write_text("")  # a new kernel file counts too
    assert source_stamp(own, kernels) != before


def test_project_kernels_use_the_stamped_locator(tmp_path):
    """A project kernel is cached by the package-stamped locator (its stamp: that of its
    file and the kernels folder); a function of another file keeps numba's own."""
    from kl_mobility.kernels.insertion import _best_insertion_at

    loc = caching.FunctionCache(_best_insertion_at.py_func)._impl._locator
    assert type(loc).__name__.startswith("KlMobility")
    ins = Path(_options.__file__).parent / "insertion.py"
    assert loc.get_source_stamp() == source_stamp(ins)

    other = tmp_path / "other.py"
    other.write_text("def f(x):\n    return x + 1\n")
    ns: dict = {}
    exec(compile(other.read_text(), str(other), "exec"), ns)
    loc = caching.FunctionCache(numba.njit(ns["f"]).py_func)._impl._locator
    assert not type(loc).__name__.startswith("KlMobility")
