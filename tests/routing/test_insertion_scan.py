"""The insertion scan the searches use, against an independent reference, on random cases.

``scan_insertion`` is the O(n^2) walk with which the ejection search and ruin and recreate
place a request (p, d) into a route. The reference below shares no code with it: it builds
every candidate route ``seq[:i-1] + [p] + seq[i-1:j-1] + [d] + seq[j-1:]`` (``1 <= i <= j
<= n + 1``) and drives it stop by stop with an earliest-start schedule (``t = max(e[x], t
+ s[prev] + T[prev, x])``, late when ``t > l[x] + 1e-7``, load within the capacity); when
the case has ride-time limits (``B_d - (B_p + s_p) <= max_ride``) and a route-duration
limit, the independent checker :func:`check_routes` judges the candidate instead (a
schedule may wait anywhere, so the earliest-start schedule is not enough; the searches'
test is exact). A route that is already infeasible (windows or load) admits no insertion. The added distance is
the new route's length minus the old one's, summed leg by leg.

Cases: random small instances (up to 5 requests on the route, Euclidean travel times, so
the triangle inequality holds), windows drawn around the route's own schedule with random
slack so that both outcomes are frequent; a third of them with ride-time and duration
limits. For each case and mode the scan must agree with the reference:

- mode 0 (cheapest): feasible exactly when some candidate is; the cost is the least added
  distance, and the returned positions are a feasible candidate of that cost;
- mode 2 (first): the first feasible candidate in (i, j) order, exactly;
- mode 1 (random): a feasible candidate, or none exactly when none is.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kl_mobility.kernels.routing_insertion import scan_insertion
from kl_mobility.routing import RoutingProblem, check_routes

EPS = 1e-7
N_CASES = 3000


def _case(rng: np.random.Generator):
    """Arrays of one random case: route ``seq`` and the new request ``(p, d)``."""
    k = int(rng.integers(0, 6))  # requests on the route
    n_loc = 2 + 2 * (k + 1)  # depots 0 and last; pickups 1..k+1, deliveries after them
    xy = rng.uniform(0.0, 100.0, (n_loc, 2))
    xy[-1] = xy[0]  # the end depot is where the start depot is
    D = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    T = D * float(rng.choice([1.0, 1.5]))
    s = np.where(np.arange(n_loc) % (n_loc - 1) == 0, 0.0, rng.integers(0, 11, n_loc)
                 .astype(np.float64))
    pick = np.arange(1, k + 2)
    dele = pick + (k + 1)
    q = np.zeros(n_loc, np.int64)
    q[pick] = rng.integers(1, 4, k + 1)
    q[dele] = -q[pick]
    mate = np.full(n_loc, -1, np.int64)
    mate[pick], mate[dele] = dele, pick
    # the route: requests 0..k-1 in a random order with each pickup before its delivery
    stops: list[int] = []
    for r in rng.permutation(k):
        a = int(rng.integers(0, len(stops) + 1))
        stops.insert(a, int(pick[r]))
        b = int(rng.integers(a + 1, len(stops) + 1))
        stops.insert(b, int(dele[r]))
    p, d = int(pick[k]), int(dele[k])
    # windows around the route's own schedule, with slack; the new request anywhere
    e = np.zeros(n_loc)
    l = np.full(n_loc, 1e4)  # noqa: E741
    t, prev = 0.0, 0
    for x in stops:
        t = t + s[prev] + T[prev, x]
        e[x] = max(0.0, t - rng.uniform(0, 40))
        l[x] = t + rng.uniform(0, 100 * (k + 1)) * float(rng.random() < 0.97)
        t = max(t, e[x])
        prev = x
    e[p] = rng.uniform(0, t + 60)
    l[p] = e[p] + rng.uniform(0, 400)
    e[d] = 0.0 if rng.random() < 0.5 else rng.uniform(e[p], l[p] + 100)
    l[d] = max(e[d], l[p]) + rng.uniform(0, 150)
    side = bool(rng.random() < 1 / 3)
    maxride = np.full(n_loc, np.inf)
    maxdur = math.inf
    if side:
        maxride[pick] = T[pick, dele] * rng.uniform(1.0, 4.0, k + 1) + rng.uniform(0, 150)
        maxdur = float(t + rng.uniform(100, 600))
    # capacity around the route's peak load (now and then below it: an infeasible route)
    peak = int(np.max(np.cumsum(q[stops]), initial=0))
    cap = max(1, peak + int(rng.integers(-1, 4)))
    seq = np.array(stops, np.int64)
    c = dict(seq=seq, p=p, d=d, T=T, D=D, s=s, e=e, l=l, q=q, d0=0, d1=n_loc - 1,
             cap=cap, side=side, maxride=maxride, maxdur=maxdur, mate=mate)
    c["problem"] = _problem(c) if side else None
    return c


def _problem(c) -> RoutingProblem:
    """The case as a one-vehicle problem (requests not on the route may stay out)."""
    n_loc = c["T"].shape[0]
    k1 = (n_loc - 2) // 2
    pick = np.arange(1, k1 + 1)
    return RoutingProblem(time=c["T"], dist=c["D"], service=c["s"], load=c["q"],
                          tw_early=c["e"], tw_late=c["l"], pickups=pick, deliveries=pick + k1,
                          max_ride=c["maxride"][pick], n_vehicles=1, capacity=c["cap"],
                          start=c["d0"], end=c["d1"], max_duration=c["maxdur"],
                          drop_penalty=0.0)


def _drive(route, c, ride_limits: bool) -> bool:
    """Whether ``route`` (customer stops) can be driven: an earliest-start schedule without
    ride and duration limits, the checker's verdict with them."""
    if ride_limits:
        return check_routes(c["problem"], [list(route)]).feasible
    T, s, e, late, q = c["T"], c["s"], c["e"], c["l"], c["q"]
    t = e[c["d0"]]
    prev = c["d0"]
    load = 0
    for x in [*route, c["d1"]]:
        t = max(e[x], t + s[prev] + T[prev, x])
        if t > late[x] + EPS:
            return False
        if x != c["d1"]:
            load += int(q[x])
            if load > c["cap"]:
                return False
        prev = x
    return True


def _length(route, c) -> float:
    nodes = [c["d0"], *route, c["d1"]]
    return float(sum(c["D"][a, b] for a, b in zip(nodes[:-1], nodes[1:])))


def reference(c) -> dict[tuple[int, int], float]:
    """Every feasible (i, j) with its added distance."""
    seq = [int(x) for x in c["seq"]]
    n = len(seq)
    if not _drive(seq, c, ride_limits=False):
        return {}
    base = _length(seq, c)
    out = {}
    for i in range(1, n + 2):
        for j in range(i, n + 2):
            new = seq[:i - 1] + [c["p"]] + seq[i - 1:j - 1] + [c["d"]] + seq[j - 1:]
            if _drive(new, c, ride_limits=c["side"]):
                out[(i, j)] = _length(new, c) - base
    return out


def scan(c, mode: int):
    n = c["seq"].size
    w = n + 4
    i, j, delta = scan_insertion(
        c["seq"], n, c["p"], c["d"], mode, 0.0, c["T"], c["D"], c["s"], c["e"], c["l"],
        c["q"], c["d0"], c["d1"], c["cap"], c["side"], c["maxride"], c["maxdur"], c["mate"],
        np.empty(w), np.empty(w), np.empty(w, np.int64), np.empty(w, np.int64))
    return int(i), int(j), float(delta)


@pytest.fixture(scope="module")
def cases():
    rng = np.random.default_rng(20261201)
    out = []
    for _ in range(N_CASES):
        c = _case(rng)
        out.append((c, reference(c)))
    return out


def test_cases_exercise_both_outcomes(cases):
    """The comparison proves something only if many cases are feasible and many are not,
    with ride limits too, and if routes of every length occur."""
    feasible = [bool(ref) for _, ref in cases]
    assert 0.25 * N_CASES < sum(feasible) < 0.75 * N_CASES
    side = [bool(ref) for c, ref in cases if c["side"]]
    assert 0.1 * len(side) < sum(side) < 0.9 * len(side)
    assert {c["seq"].size for c, _ in cases} == {0, 2, 4, 6, 8, 10}
    partial = sum(0 < len(ref) < (c["seq"].size + 1) * (c["seq"].size + 2) // 2
                  for c, ref in cases)
    assert partial > 0.2 * N_CASES  # some positions feasible, others not


def test_cheapest_insertion_agrees_with_reference(cases):
    for k, (c, ref) in enumerate(cases):
        i, j, delta = scan(c, 0)
        if not ref:
            assert i == -1, (k, i, j)
            continue
        best = min(ref.values())
        assert (i, j) in ref, (k, i, j, sorted(ref))
        assert delta == pytest.approx(best, abs=1e-9), k
        assert ref[(i, j)] == pytest.approx(best, abs=1e-9), k


def test_first_insertion_is_the_first_feasible_position(cases):
    for k, (c, ref) in enumerate(cases):
        i, j, _ = scan(c, 2)
        want = min(ref) if ref else (-1, -1)
        assert (i, j) == want, (k, sorted(ref))


def test_random_insertion_is_feasible(cases):
    for k, (c, ref) in enumerate(cases):
        i, j, _ = scan(c, 1)
        if ref:
            assert (i, j) in ref, (k, i, j, sorted(ref))
        else:
            assert i == -1, k
