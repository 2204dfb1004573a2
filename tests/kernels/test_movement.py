"""The driving kernel against a slow pure-Python walk on random small road graphs, with the
next hops read from ``nxt`` and from its transpose ``nxtT`` (exact equality)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kl_mobility.kernels._pack import Tables
from kl_mobility.kernels.movement import Accounts, Edges, Move, drive, next_hop
from kl_mobility.kernels.shortest_path import all_pairs

N_GRAPHS = int(os.environ.get("KL_MOVEMENT_GRAPHS", "40"))
TYPES = 2


def random_graph(seed: int):
    """CSR arrays of a random strongly connected digraph (a ring plus random chords; heads
    sorted per tail, no parallel edges): ``(indptr, head, time_s, length_m)``."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 25))
    arcs = {(u, (u + 1) % n) for u in range(n)}
    for _ in range(int(rng.integers(0, 3 * n))):
        u, v = (int(x) for x in rng.integers(0, n, 2))
        if u != v:
            arcs.add((u, v))
    arcs_sorted = sorted(arcs)
    tails = np.array([a[0] for a in arcs_sorted], np.int64)
    head = np.array([a[1] for a in arcs_sorted], np.int64)
    indptr = np.searchsorted(tails, np.arange(n + 1)).astype(np.int64)
    time_s = rng.integers(1, 60, head.size).astype(np.int64)
    length_m = rng.uniform(5.0, 900.0, head.size)
    return indptr, head, time_s, length_m


def tables(indptr, head, time_s, length_m):
    n = indptr.size - 1
    tt = np.empty((n, n), np.int32)
    dist = np.empty((n, n), np.float32)
    nxt = np.empty((n, n), np.int32)
    all_pairs(indptr, head, time_s, length_m, tt, dist, nxt)
    return tt, nxt


def reference_drive(tt, nxt, indptr, head, length_m, acc, node, t, target, until, load, ti):
    """Hop by hop along ``nxt``: the edge by a linear scan of the tail's edges, its time
    ``tt[u, target] - tt[w, target]``, every metre added to the accumulators in order."""
    vkm, vkm_occ, pkm, count, vkm_type = acc
    m_total = m_occ = m_pax = 0.0
    while node != target and t < until:
        w = int(nxt[node, target])
        e = next(k for k in range(indptr[node], indptr[node + 1]) if head[k] == w)
        t += int(tt[node, target]) - int(tt[w, target])
        length = float(length_m[e])
        m_total += length
        vkm[e] += length
        count[e] += 1
        vkm_type[ti, e] += length
        if load > 0:
            m_occ += length
            m_pax += length * load
            vkm_occ[e] += length
            pkm[e] += length * load
        node = w
    return node, t, m_total, m_occ, m_pax


def _accounts(m: int) -> Accounts:
    return Accounts(np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m, np.int64),
                    np.zeros((TYPES, m)))


def test_next_hop_reads_either_table():
    """``next_hop`` gives ``nxt[node, target]`` from the table or from its transpose."""
    nxt = np.array([[0, 1, 1], [0, 1, 2], [1, 1, 2]], np.int32)
    for node in range(3):
        for target in range(3):
            want = nxt[node, target]
            assert next_hop(nxt, None, node, target) == want
            assert next_hop(nxt, np.ascontiguousarray(nxt.T), node, target) == want


def test_drive_matches_reference_with_and_without_transposed_next_hops():
    """Random drives (some cut short by ``until``, some with persons on board) on random
    graphs: the kernel with ``nxt`` only and with ``nxtT`` returns the reference's node,
    time and metres and leaves the same accumulators, bit for bit."""
    drives = 0
    for seed in range(N_GRAPHS):
        indptr, head, time_s, length_m = random_graph(seed)
        tt, nxt = tables(indptr, head, time_s, length_m)
        n, m = tt.shape[0], head.size
        rng = np.random.default_rng(1000 + seed)
        edges = Edges(indptr, head, length_m)
        packs = {"nxt": Tables(tt, np.ascontiguousarray(tt.T), nxt),
                 "nxtT": Tables(tt, np.ascontiguousarray(tt.T), nxt,
                                np.ascontiguousarray(nxt.T))}
        accs = {k: _accounts(m) for k in packs}
        ref_acc = _accounts(m)
        for _ in range(30):
            node, target = (int(x) for x in rng.integers(0, n, 2))
            t = int(rng.integers(0, 1000))
            until = t + int(rng.integers(0, 2 * int(tt[node, target]) + 2))
            load, ti = int(rng.integers(0, 3)), int(rng.integers(0, TYPES))
            want = reference_drive(tt, nxt, indptr, head, length_m, ref_acc, node, t,
                                   target, until, load, ti)
            for k, tab in packs.items():
                got = drive(tab, edges, accs[k], Move(node, t, target, until, load, ti))
                assert got == want, (seed, k)
            drives += 1
        for k in packs:
            for a, b in zip(accs[k], ref_acc, strict=True):
                assert np.array_equal(a, b), (seed, k)
    assert drives == 30 * N_GRAPHS


def test_drive_by_hand():
    """A line 0 -> 1 -> 2 of 20 s and 100 m hops (and back): leaving 0 at t=50 toward 2
    with 2 persons, cut at ``until`` = 60, the vehicle reaches node 1 at 50 + 20 = 70 after
    100 m (100 occupied, 2 x 100 = 200 passenger-m); with no limit it reaches 2 at 90."""
    indptr = np.array([0, 1, 3, 4], np.int64)
    head = np.array([1, 0, 2, 1], np.int64)
    time_s = np.full(4, 20, np.int64)
    length_m = np.full(4, 100.0)
    tt, nxt = tables(indptr, head, time_s, length_m)
    tab = Tables(tt, np.ascontiguousarray(tt.T), nxt, np.ascontiguousarray(nxt.T))
    acc = _accounts(4)
    assert drive(tab, Edges(indptr, head, length_m), acc, Move(0, 50, 2, 60, 2, 1)) == (
        1, 70, 100.0, 100.0, 200.0)
    assert acc.vkm.tolist() == [100.0, 0.0, 0.0, 0.0]
    assert acc.vkm_type[1].tolist() == [100.0, 0.0, 0.0, 0.0]
    assert drive(tab, Edges(indptr, head, length_m), acc, Move(1, 70, 2, 10**9, 0, 0)) == (
        2, 90, 100.0, 0.0, 0.0)
    assert acc.count.tolist() == [1, 0, 1, 0]
    assert acc.pkm.tolist() == [200.0, 0.0, 0.0, 0.0]


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already without JIT")
def test_matches_reference_without_jit():
    """The same comparisons with NUMBA_DISABLE_JIT=1 (pure Python kernels), on a sample."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", KL_MOVEMENT_GRAPHS="6")
    here = Path(__file__).resolve()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(here),
         "-k", "reference or by_hand or next_hop"],
        env=env, capture_output=True, text=True, timeout=300, cwd=here.parents[2])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "passed" in proc.stdout
