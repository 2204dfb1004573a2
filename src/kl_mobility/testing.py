"""The public contract battery for dispatch policies, usable from any pytest suite.

::

    from kl_mobility.testing import check_policy

    def test_my_policy_keeps_the_contract():
        check_policy("mine")                       # a registered name or an entry point
        check_policy("mine", options={"k": 3})     # with its [dispatch.options]

:func:`check_policy` simulates the policy on small random instances (two-way grids of 2 x 2
to 5 x 5 nodes with 20 s edges, 1-25 requests, some pre-booked, about a quarter of the
others feeder rides to or from public transport with their connection deadlines, 1-3
vehicles of 1-4 seats,
``unserved`` ``reject`` and ``keep``, about a third of the instances with trip ends in
external zones) and checks every invariant of
:func:`kl_mobility.results.check.check_outputs` on each (nothing lost or served twice,
one final state, pickup before drop-off by one vehicle, deadlines, capacity, vehicle-km =
driven paths = edges table), then runs one busier day twice with the same seed and
requires identical outputs (determinism). It raises :class:`PolicyContractError` (an
``AssertionError``, so pytest shows it as a failure) naming the policy, each failing
instance and the first case of each broken invariant; a policy that raises is reported
with its exception. It returns a :class:`ContractReport` when everything holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ContractReport", "PolicyContractError", "check_policy", "contract_instances"]


class PolicyContractError(AssertionError):
    """A dispatch policy broke the contract; the message lists where and how."""


@dataclass(frozen=True)
class ContractInstance:
    """One generated instance of the battery (what the failure messages name)."""

    index: int
    rows: int
    cols: int
    n_requests: int
    n_vehicles: int
    capacity: int
    unserved: str
    max_wait_s: int
    external: bool
    seed: int

    def describe(self) -> str:
        ext = ", external zones" if self.external else ""
        return (f"instance {self.index} (grid {self.rows}x{self.cols}, {self.n_requests} "
                f"requests, {self.n_vehicles} vehicle(s) of {self.capacity} seats, unserved="
                f"{self.unserved}, max_wait_s={self.max_wait_s}{ext}, seed {self.seed})")


@dataclass
class ContractReport:
    """What the battery ran: instances, requests and how many were served."""

    policy: str
    instances: int = 0
    requests: int = 0
    served: int = 0
    failures: list[str] = field(default_factory=list)


def contract_instances(n: int, seed: int = 0) -> list[ContractInstance]:
    """The ``n`` instances of the battery drawn from ``seed`` (every third with external
    zones, ``unserved`` alternating)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        out.append(ContractInstance(
            index=k, rows=int(rng.integers(2, 6)), cols=int(rng.integers(2, 6)),
            n_requests=int(rng.integers(1, 26)), n_vehicles=int(rng.integers(1, 4)),
            capacity=int(rng.integers(1, 5)), unserved=("reject", "keep")[k % 2],
            max_wait_s=int(rng.choice([120, 300, 600])), external=k % 3 == 2,
            seed=int(rng.integers(0, 2**31 - 1))))
    return out


@cache
def _grid(rows: int, cols: int) -> tuple[Any, Any]:
    from kl_mobility.network import build_oracle, grid_network

    net = grid_network(rows, cols)  # 200 m at 36 km/h: 20 s per edge
    return net, build_oracle(net, use_cache=False)  # nothing is read or written


def _requests(rng: np.random.Generator, n: int, n_nodes: int, t0: int, t1: int,
              external: bool) -> pd.DataFrame:
    o = rng.integers(0, n_nodes, n)
    d = (o + rng.integers(1, n_nodes, n)) % n_nodes
    t = np.sort(rng.integers(t0, t1, n))
    pre = rng.random(n) < 0.2
    earliest = pd.array(np.where(pre, t + rng.integers(0, 1800, n), 0), dtype="Int64")
    earliest[~pre] = pd.NA
    booking = pd.array(np.where(pre, np.maximum(t - 3600, 0), 0), dtype="Int64")
    booking[~pre] = pd.NA
    df = pd.DataFrame({
        "request_id": np.arange(1000, 1000 + n, dtype=np.int64),
        "request_time_s": t.astype(np.int64),
        "origin_node": o.astype(np.int32),
        "dest_node": d.astype(np.int32),
        "passengers": rng.integers(1, 3, n).astype(np.int16),
        "earliest_pickup_s": earliest,
        "latest_dropoff_s": pd.array([pd.NA] * n, dtype="Int64"),
        "booking_time_s": booking,
    })
    if external:
        for end in ("origin", "dest"):
            df[f"{end}_offset_s"] = np.where(rng.random(n) < 0.35, rng.integers(1, 301, n),
                                             0).astype(np.int32)
    _feeder_rows(df, np.random.default_rng([int(rng.integers(2**31)), FEEDER_TAG]))
    return df


FEEDER_TAG = 0xFEED
"""Mixed into the seed of the feeder rows of an instance (their own stream)."""


def _feeder_rows(df: pd.DataFrame, rng: np.random.Generator) -> None:
    """Turn about a quarter of the immediate requests of ``df`` into feeder rides
    (:mod:`kl_mobility.pt.feeder`), in place: first mile with an own drop-off deadline
    60-900 s after the request (some too tight to meet), last mile released at an arrival
    (the request time) with the earliest pickup 0-300 s later."""
    n = len(df)
    immediate = df["earliest_pickup_s"].isna().to_numpy()
    pick = immediate & (rng.random(n) < 0.25)
    first = pick & (rng.random(n) < 0.5)
    last = pick & ~first
    t = df["request_time_s"].to_numpy(np.int64)
    deadline = t + rng.integers(60, 901, n)
    arrival_wait = rng.integers(0, 301, n)
    kind = np.where(first, "first", np.where(last, "last", "")).astype(object)
    pt = pd.array(np.where(first, deadline + 120, t), dtype="Int64")
    pt[~pick] = pd.NA
    drop = df["latest_dropoff_s"].copy()
    drop[first] = deadline[first]
    early = df["earliest_pickup_s"].copy()
    early[last] = (t + arrival_wait)[last]
    df["latest_dropoff_s"] = drop
    df["earliest_pickup_s"] = early
    df["feeder"] = kind
    df["pt_stop_id"] = np.where(pick, "s1", "").astype(object)
    df["pt_trip_id"] = np.where(pick, "t1", "").astype(object)
    df["pt_time_s"] = pt
    df["pt_gained"] = first


def _simulate(policy: str, options: dict[str, Any], inst: ContractInstance,
              record_legs: bool = True) -> tuple[Any, pd.DataFrame, Any, Any]:
    from kl_mobility.dispatch import DispatchConfig
    from kl_mobility.service import ServiceConfig
    from kl_mobility.sim import SimInputs, VehicleTypeConfig, simulate

    net, oracle = _grid(inst.rows, inst.cols)
    rng = np.random.default_rng(inst.seed)
    requests = _requests(rng, inst.n_requests, net.n_nodes, 8 * 3600, 8 * 3600 + 1800,
                         inst.external)
    service = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600, max_wait_s=inst.max_wait_s,
                            unserved=inst.unserved)
    fleet = [VehicleTypeConfig("van", inst.n_vehicles, inst.capacity)]
    dispatch = DispatchConfig(policy=policy, rebalance_interval_s=120, options=dict(options))
    res = simulate(SimInputs(net, oracle, requests, service, fleet, dispatch, seed=inst.seed),
                   record_legs=record_legs)
    return res, requests, service, oracle


def _same(a: Any, b: Any) -> str:
    for name in ("events", "trips", "vehicles"):
        try:
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
        except AssertionError as exc:
            first = str(exc).strip().splitlines()
            return f"{name} table differs: {' '.join(first[:3])}"
    return ""


def check_policy(policy: str, *, options: dict[str, Any] | None = None,
                 instances: int = 24, seed: int = 0) -> ContractReport:
    """Run the contract battery (module docstring) over dispatch policy ``policy`` (a name
    of :data:`~kl_mobility.dispatch.DISPATCH_POLICIES` or of an entry point of group
    ``kl_mobility.policies``) with its ``options`` on ``instances`` instances drawn from
    ``seed``. Raises :class:`PolicyContractError` listing every failing instance."""
    from kl_mobility.dispatch import DispatchConfig
    from kl_mobility.results.check import check_outputs

    options = dict(options or {})
    try:
        DispatchConfig(policy=policy, options=options)
    except ValueError as exc:
        raise PolicyContractError(f"policy {policy!r} cannot be configured: {exc}") from None
    report = ContractReport(policy)
    for inst in contract_instances(instances, seed):
        try:
            res, requests, service, oracle = _simulate(policy, options, inst)
        except Exception as exc:  # noqa: BLE001 - a policy may raise anything
            report.failures.append(f"{inst.describe()}: the simulation raised "
                                   f"{type(exc).__name__}: {exc}")
            continue
        report.instances += 1
        report.requests += len(requests)
        report.served += int(res.kpis["n_served"])
        found = check_outputs(res, requests, service, oracle.tt, oracle.dist)
        if found:
            report.failures.append(f"{inst.describe()}: " + "; ".join(map(str, found)))
    busy = ContractInstance(index=instances, rows=5, cols=5, n_requests=60, n_vehicles=4,
                            capacity=4, unserved="keep", max_wait_s=600, external=False,
                            seed=seed + 1)
    try:
        a = _simulate(policy, options, busy, record_legs=False)[0]
        b = _simulate(policy, options, busy, record_legs=False)[0]
        diff = _same(a, b)
        if diff:
            report.failures.append(f"determinism, {busy.describe()} run twice with the same "
                                   f"seed: {diff}")
    except Exception as exc:  # noqa: BLE001
        report.failures.append(f"determinism, {busy.describe()}: the simulation raised "
                               f"{type(exc).__name__}: {exc}")
    if report.failures:
        raise PolicyContractError(
            f"dispatch policy {policy!r} breaks the contract in {len(report.failures)} "
            f"case(s):\n  " + "\n  ".join(report.failures))
    return report
