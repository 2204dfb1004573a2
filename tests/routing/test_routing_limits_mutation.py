"""Mutation check of the searches' insertion tests: a limit loosened by 5 s is caught.

Both searches of the static solver (the ejection search and ruin and recreate) place a
request only where :func:`~kl_mobility.kernels.routing_insertion.scan_insertion` (window walk
over the route's earliest/latest tables, then the exact schedule test
:func:`~kl_mobility.kernels.routing_insertion.ride_duration_ok` under ride-time and duration
limits) says it fits. A bug that loosens a window or a limit there by a few seconds would
make them build plans that the independent checker rejects, and ``solve`` would discard
those plans: no result would look wrong, only worse. So this module

1. states two agreement checks against :func:`check_routes` on random small problems
   (dial-a-ride with 15-minute windows, ride and duration limits; pickup-and-delivery with
   windows on both stops and no other limit, as Li & Lim's, where the window walk alone
   decides) and asserts that the kernels pass them;
2. loads the kernel module's source with one limit loosened by 5 s (a *mutant*: the pickup,
   delivery or carried-stop window of the scan, the window, ride-time or duration limit of
   the exact test), runs the same checks on it as plain Python and asserts that they find
   a disagreement, and that the unmutated source loaded the same way passes (so a failure
   is the mutant's, not the loading's).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from test_routing_feasibility import random_darp, random_route

import kl_mobility.kernels.routing_insertion as real_kernels
from kl_mobility.routing import RoutingProblem, check_routes
from kl_mobility.routing.arrays import kernel_arrays, tightened_windows

#: Random route/request pairs per check (each pair: every insertion position); every mutant
#: below is caught within the first 100.
N_PAIRS = 300


def random_pdptw(rng: np.random.Generator, n_req: int = 8) -> RoutingProblem:
    """A random pickup-and-delivery problem without ride or duration limits: depot in the
    middle of a 30 x 30 square (time = distance), service 3, capacity 20, loads 1-10,
    horizon 600; each pickup has a window of width 10-35 opening at 0-180, its drop-off a
    window from the earliest possible arrival to 6-90 after the latest one (small numbers,
    so that arrivals within 5 of a window's end are common)."""
    xy = rng.uniform(0, 30, size=(2 * n_req + 1, 2))
    xy[0] = 15.0
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    pu = np.arange(1, n_req + 1)
    de = pu + n_req
    early = np.zeros(2 * n_req + 1)
    late = np.full(2 * n_req + 1, 600.0)
    early[pu] = rng.uniform(0, 180, n_req)
    late[pu] = early[pu] + rng.uniform(10, 35, n_req)
    early[de] = early[pu] + 3.0 + d[pu, de]
    late[de] = late[pu] + 3.0 + d[pu, de] + rng.uniform(6, 90, n_req)
    amount = rng.integers(1, 11, n_req)
    load = np.zeros(2 * n_req + 1, dtype=np.int64)
    load[pu] = amount
    load[de] = -amount
    service = np.full(2 * n_req + 1, 3.0)
    service[0] = 0.0
    return RoutingProblem(time=d, dist=d, service=service, load=load, tw_early=early,
                          tw_late=late, pickups=pu, deliveries=de, max_ride=np.inf,
                          n_vehicles=1, capacity=20, start=0, end=0, max_duration=np.inf,
                          drop_penalty=0.0)


def _pdptw_route(rng: np.random.Generator, p: RoutingProblem, reqs: np.ndarray) -> list[int]:
    """The stops of ``reqs`` ordered by a noisy window middle (pickup before drop-off)."""
    keys = []
    for r in reqs:
        pu, de = int(p.pickups[r]), int(p.deliveries[r])
        tp = 0.5 * (p.tw_early[pu] + p.tw_late[pu]) + rng.normal(0, 10)
        td = max(0.5 * (p.tw_early[de] + p.tw_late[de]) + rng.normal(0, 10), tp + 1e-3)
        keys += [(tp, pu), (td, de)]
    return [x for _, x in sorted(keys)]


def pairs(seed: int, n_pairs: int) -> Iterator[tuple[RoutingProblem, dict, list[int], int]]:
    """(problem, kernel arrays, route, request): alternately a dial-a-ride pair and a
    pickup-and-delivery pair; windows tightened on every third pair.

    The distance matrix is random (1-100, independent of the travel times), so the cheapest
    accepted position is any of the accepted ones and a wrongly accepted position is often
    the one the scan returns. Every fourth dial-a-ride pair gets a duration limit, and
    every fourth another one a ride-time limit of the inserted request, within 4 s of the
    shortest possible on the route with the request at a random position (found by
    bisection with the checker), so that limit decides there. Pickup-and-delivery routes
    carry 1-5 requests (dial-a-ride 1-3)."""
    rng = np.random.default_rng(seed)
    made = problems = 0
    while made < n_pairs:
        darp = problems % 2 == 0
        problems += 1
        p = random_darp(rng) if darp else random_pdptw(rng)
        dist = rng.uniform(1, 100, size=p.dist.shape)
        p = replace(p, dist=dist + dist.T)
        for _ in range(10):
            k = int(rng.integers(1, 4 if darp else 6))
            reqs = rng.choice(p.n_requests, size=k + 1, replace=False)
            route = (random_route if darp else _pdptw_route)(rng, p, reqs[1:])
            q = p
            if darp and made % 4 == 0:
                q = _limit_near_shortest(rng, p, route, int(reqs[0]), "max_duration")
            elif darp and made % 4 == 2:
                q = _limit_near_shortest(rng, p, route, int(reqs[0]), "max_ride")
            tw = tightened_windows(q) if made % 3 == 0 else (q.tw_early, q.tw_late)
            yield q, kernel_arrays(q, *tw), route, int(reqs[0])
            made += 1


def _limit_near_shortest(rng: np.random.Generator, p: RoutingProblem, route: list[int],
                         r: int, limit: str) -> RoutingProblem:
    """``p`` with ``limit`` (``"max_duration"``, or ``"max_ride"`` of request ``r``) set to
    the smallest value at which ``route`` with ``r`` at a random position is feasible, plus
    4 s times a uniform draw in [-1, 1] (``p`` unchanged when that route is infeasible
    without the limit)."""
    i = int(rng.integers(0, len(route) + 1))
    j = int(rng.integers(i, len(route) + 1))
    new = [*route[:i], int(p.pickups[r]), *route[i:j], int(p.deliveries[r]), *route[j:]]

    def with_limit(x: float) -> RoutingProblem:
        if limit == "max_duration":
            return replace(p, max_duration=x)
        ride = np.array(p.max_ride, dtype=np.float64, copy=True)
        ride[r] = x
        return replace(p, max_ride=ride)

    lo, hi = 0.0, float(p.tw_late[0] - p.tw_early[0])
    if not check_routes(with_limit(hi), [new]).feasible:
        return p
    for _ in range(40):  # feasible at hi, infeasible at lo
        mid = 0.5 * (lo + hi)
        if check_routes(with_limit(mid), [new]).feasible:
            hi = mid
        else:
            lo = mid
    return with_limit(hi + 4.0 * float(rng.uniform(-1, 1)))


def exact_disagreements(k: types.ModuleType, n_pairs: int, stop: bool) -> int:
    """Positions where ``k.ride_duration_ok`` on the new route differs from the checker."""
    bad = 0
    buf = np.empty(32, dtype=np.int64)
    for p, arr, route, r in pairs(11, n_pairs):
        seq = np.array(route, dtype=np.int64)
        n = seq.size
        pu, de = int(p.pickups[r]), int(p.deliveries[r])
        for i in range(1, n + 2):
            for j in range(i, n + 2):
                m = k.build(seq, n, pu, de, i, j, buf)
                ok = k.ride_duration_ok(buf, m, arr["T"], arr["s"], arr["e"], arr["l"],
                                        arr["q"], arr["d0"], arr["d1"], arr["cap"],
                                        arr["maxride"], arr["maxdur"], arr["mate"])
                if ok != check_routes(p, [buf[:m].tolist()]).feasible:
                    bad += 1
                    if stop:
                        return bad
    return bad


def scan_disagreements(k: types.ModuleType, n_pairs: int, stop: bool) -> int:
    """Pairs (feasible route, request) where ``k.scan_insertion`` (mode 0: cheapest; mode 2:
    any) differs from the checker judging every position: whether one fits, the cheapest
    cost, and whether the position returned is one the checker accepts."""
    bad = 0
    w = 32
    bufs = (np.empty(w), np.empty(w), np.empty(w, dtype=np.int64), np.empty(w, dtype=np.int64))
    tmp = np.empty(w, dtype=np.int64)
    for p, arr, route, r in pairs(12, n_pairs):
        if not check_routes(p, [route]).feasible:
            continue  # the searches only insert into feasible routes
        seq = np.array(route, dtype=np.int64)
        n = seq.size
        pu, de = int(p.pickups[r]), int(p.deliveries[r])
        ok = {}
        for i in range(1, n + 2):
            for j in range(i, n + 2):
                m = k.build(seq, n, pu, de, i, j, tmp)
                ok[i, j] = check_routes(p, [tmp[:m].tolist()]).feasible
        best = min((k.insertion_delta(seq, n, pu, de, i, j, arr["D"], 0, 0)
                    for (i, j), f in ok.items() if f), default=np.inf)
        args = (arr["T"], arr["D"], arr["s"], arr["e"], arr["l"], arr["q"], arr["d0"],
                arr["d1"], arr["cap"], arr["side"], arr["maxride"], arr["maxdur"], arr["mate"],
                *bufs)
        i, j, dl = k.scan_insertion(seq, n, pu, de, 0, 0.0, *args)
        i2, j2, _ = k.scan_insertion(seq, n, pu, de, 2, 0.0, *args)
        wrong = ((i >= 0) != np.isfinite(best) or (i >= 0 and not ok[i, j])
                 or (i >= 0 and abs(dl - best) > 1e-9) or (i2 >= 0) != np.isfinite(best)
                 or (i2 >= 0 and not ok[i2, j2]))
        if wrong:
            bad += 1
            if stop:
                return bad
    return bad


def kernels_from_source(pattern: str = "", repl: str = "", within: str = "") -> types.ModuleType:
    """The routing insertion kernels as plain Python, from their source with the first match
    of ``pattern`` after ``def within(`` replaced by ``repl`` (nothing replaced when
    ``pattern`` is empty). The replacement must happen exactly once."""
    src = Path(real_kernels.__file__).read_text(encoding="utf-8")
    if pattern:
        at = src.index(f"def {within}(")
        tail, n = re.subn(pattern, repl, src[at:], count=1, flags=re.MULTILINE)
        assert n == 1, (pattern, within)
        src = src[:at] + tail
    src = src.replace("from kl_mobility.kernels._options import njit",
                      "def njit(f):\n    return f")
    mod = types.ModuleType("routing_insertion_mutant")
    exec(compile(src, "routing_insertion_mutant", "exec"), mod.__dict__)  # noqa: S102
    return mod


#: (name, function, pattern, replacement): each loosens one limit by 5 s. The scan's
#: mutants are judged by the scan check, the exact test's by the exact check (the other
#: check does not call the mutated line, or calls it only behind the exact test).
MUTANTS = (
    ("scan: pickup window", "scan_insertion", r"if t > l\[p\] \+ EPS:",
     "if t > l[p] + EPS + 5.0:"),
    ("scan: delivery window", "scan_insertion", r"if td <= l\[d\] \+ EPS:",
     "if td <= l[d] + EPS + 5.0:"),
    ("scan: carried stop's latest start", "scan_insertion", r"if t > z\[j\] \+ EPS:",
     "if t > z[j] + EPS + 5.0:"),
    ("exact test: window", "ride_duration_ok", r"if t > l\[x\] \+ EPS:",
     "if t > l[x] + EPS + 5.0:"),
    ("exact test: ride-time limit", "ride_duration_ok", r"- maxride\[pu\]$",
     "- (maxride[pu] + 5.0)"),
    ("exact test: duration limit", "ride_duration_ok", r"> maxdur \+ EPS:",
     "> maxdur + EPS + 5.0:"),
)
_CHECKS = {"scan_insertion": scan_disagreements, "ride_duration_ok": exact_disagreements}


def test_kernels_pass_both_checks():
    """The compiled kernels agree with the checker on every position and pair."""
    assert exact_disagreements(real_kernels, N_PAIRS, stop=False) == 0
    assert scan_disagreements(real_kernels, N_PAIRS, stop=False) == 0


def test_unmutated_source_passes_as_plain_python():
    """The loading used for the mutants, without a mutation: both checks pass."""
    k = kernels_from_source()
    assert exact_disagreements(k, N_PAIRS, stop=False) == 0
    assert scan_disagreements(k, N_PAIRS, stop=False) == 0


@pytest.mark.parametrize(("within", "pattern", "repl"), [m[1:] for m in MUTANTS],
                         ids=[m[0] for m in MUTANTS])
def test_a_limit_loosened_by_5_s_is_caught(within, pattern, repl):
    """With one limit loosened by 5 s, the check of its kernel finds a disagreement."""
    k = kernels_from_source(pattern, repl, within)
    assert _CHECKS[within](k, N_PAIRS, stop=True) > 0
