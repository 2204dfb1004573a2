"""Transposed travel tables (``ttT``, ``nxtT``) of a cached oracle: made once, kept in the
network cache beside the tables they come from, read back equal."""

from __future__ import annotations

import functools
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from kl_mobility.network.cache import write_cache_file
from kl_mobility.sim import travel


def _save(tmp: Path, arr: np.ndarray) -> None:
    with open(tmp, "wb") as fh:
        np.save(fh, arr, allow_pickle=False)


def _cached_oracle(folder: Path, seed: int = 0) -> SimpleNamespace:
    """A dense oracle whose 7 x 7 tables lie in ``folder`` as the network cache writes them
    (``<stem>-tt.npy``, ``-nxt.npy``, ``-dist.npy`` with manifests)."""
    rng = np.random.default_rng(seed)
    tabs = {"tt": rng.integers(0, 900, (7, 7)).astype(np.int32),
            "nxt": rng.integers(0, 7, (7, 7)).astype(np.int32),
            "dist": rng.random((7, 7)).astype(np.float32)}
    for k, a in tabs.items():
        write_cache_file(folder / f"net-abc-{k}.npy", functools.partial(_save, arr=a))
    return SimpleNamespace(**tabs, tt_file=folder / "net-abc-tt.npy")


def test_transposes_are_cached_beside_their_tables(tmp_path):
    """The first use writes ``net-abc-ttT-<sha>.npy`` and ``net-abc-nxtT-<sha>.npy`` (sha:
    16 hex digits of the source table's SHA-256); a second oracle reads them back (memory-
    mapped), and both equal the C-contiguous transposes."""
    first = travel._tables(_cached_oracle(tmp_path))
    names = sorted(p.name for p in tmp_path.glob("*T-*.npy"))
    assert [n.split("-")[2] for n in names] == ["nxtT", "ttT"]
    assert all(len(n.split("-")[3].removesuffix(".npy")) == 16 for n in names)
    again = travel._tables(_cached_oracle(tmp_path))
    assert isinstance(again.nxtT, np.memmap) and isinstance(again.ttT, np.memmap)
    for tb in (first, again):
        assert tb.nxtT is not None
        assert np.array_equal(tb.nxtT, tb.nxt.T) and tb.nxtT.flags.c_contiguous
        assert np.array_equal(tb.ttT, tb.tt.T) and tb.ttT.flags.c_contiguous


def test_transposes_without_a_cache_are_computed(tmp_path):
    """An oracle whose tables are not from the cache (``tt_file`` None) gets computed
    transposes and nothing is written."""
    oracle = _cached_oracle(tmp_path)
    oracle.tt_file = None
    before = sorted(tmp_path.iterdir())
    tb = travel._tables(oracle)
    assert sorted(tmp_path.iterdir()) == before
    assert tb.nxtT is not None and np.array_equal(tb.nxtT, oracle.nxt.T)
    assert np.array_equal(tb.ttT, oracle.tt.T)
