"""The loop kernel (:mod:`kl_mobility.kernels.eventloop`, run by
:func:`kl_mobility.sim.fastloop.fast_loop`) against the engine's processes on the clock, its
reference: on random small days with several vehicle types (a speed-capped diesel shuttle,
a stop-based one), external zones, batteries small enough to force charging, tight
``max_stops`` and both ``service.unserved`` rules, every output table is the same, bit for
bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simhelpers import grid, random_requests

import kl_mobility.sim.engine as engine_mod
from kl_mobility.dispatch import DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate
from kl_mobility.sim.engine import Engine

TABLES = ("trips", "vehicles", "edges", "events", "occupancy")


def _day(seed: int) -> SimInputs:
    rng = np.random.default_rng(seed)
    rows, cols = (int(x) for x in rng.integers(3, 6, 2))
    net, oracle = grid(rows, cols)
    n_req = int(rng.integers(5, 60))
    requests = random_requests(rng, n_req, net.n_nodes, 8 * 3600, 8 * 3600 + 2400,
                               prebooked_share=0.25, max_pax=3)
    for end in ("origin", "dest"):  # about a quarter of the ends in external zones
        requests[f"{end}_offset_s"] = np.where(rng.random(n_req) < 0.25,
                                               rng.integers(1, 301, n_req), 0).astype(np.int32)
    service = ServiceConfig(
        start_s=7 * 3600, end_s=10 * 3600, max_wait_s=int(rng.choice([180, 600, 900])),
        unserved=str(rng.choice(["reject", "keep"])), max_stops=int(rng.choice([4, 6, 16])),
        charge_time_s=int(rng.choice([600, 1800])))
    fleet = [
        # 0.3 kWh at 0.281 kWh/km: below the 20 % threshold after about 0.85 km (4-5 edges)
        VehicleTypeConfig("van", int(rng.integers(1, 4)), int(rng.integers(2, 5)),
                          battery_kwh=float(rng.choice([0.3, 40.0]))),
        VehicleTypeConfig("shuttle", int(rng.integers(0, 3)), 6, kind="shuttle",
                          drivetrain="diesel", fuel_l_per_100km=11.0, speed_cap_kmh=18.0),
        VehicleTypeConfig("stopper", int(rng.integers(0, 2)), 8, kind="shuttle",
                          stop_based=True, stop_spacing_m=300.0, battery_kwh=0.5),
    ]
    cost = str(rng.choice(["added_time", "wait", "rider_time"]))
    return SimInputs(net, oracle, requests, service, fleet, DispatchConfig(cost=cost),
                     seed=seed)


@pytest.mark.parametrize("seed", range(12))
def test_loop_kernel_equals_processes(seed, monkeypatch):
    """Same trips, vehicles, edges, events, occupancy and legs from the loop kernel as from
    the processes on the clock (``Engine._fast_loop = False``), every column exactly; the
    kernel did run (``fast_loop`` called once)."""
    inputs = _day(seed)
    calls = []
    real = engine_mod.fast_loop

    def counted(eng):
        calls.append(1)
        real(eng)

    monkeypatch.setattr(engine_mod, "fast_loop", counted)
    fast = simulate(inputs, record_legs=True)
    assert calls == [1]
    monkeypatch.setattr(Engine, "_fast_loop", False)
    slow = simulate(inputs, record_legs=True)
    assert calls == [1]
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name),
                                      check_exact=True)
    assert fast.legs == slow.legs
    assert fast.meta["max_stops_skips"] == slow.meta["max_stops_skips"]
    assert fast.meta["max_stops_vehicles"] == slow.meta["max_stops_vehicles"]


def test_instances_cover_what_they_claim(monkeypatch):
    """The random days above do charge, reject and keep, serve external zones, pool and
    hit ``max_stops`` (so the comparison covers those paths)."""
    seen = {"charge": 0, "keep": 0, "cancel": 0, "reject": 0, "external": 0, "shared": 0,
            "skips": 0, "shuttle": 0, "stopper": 0}
    for seed in range(12):
        inputs = _day(seed)
        res = simulate(inputs)
        ev, trips = res.events, res.trips
        seen["charge"] += int((ev["kind"] == "charge_start").sum())
        seen["keep"] += inputs.service.unserved == "keep"
        seen["cancel"] += int((trips["reason"] == "deadline_passed").sum())
        seen["reject"] += int((trips["reason"] == "no_vehicle").sum())
        seen["external"] += int((res.vehicles["km_external"] > 0).sum())
        seen["shared"] += int(trips["shared"].sum())
        seen["skips"] += int(res.meta["max_stops_skips"])
        for name in ("shuttle", "stopper"):
            seen[name] += int((trips["vehicle_type"] == name).sum())
    assert all(v > 0 for v in seen.values()), seen


def test_progress_reports_as_the_source(monkeypatch):
    """The loop kernel stops after every 500th request for the source's progress reports:
    1,201 requests give reports at requests 0, 500, 1000 and the total, as on the clock."""
    net, oracle = grid(4, 4)
    rng = np.random.default_rng(5)
    requests = random_requests(rng, 1201, net.n_nodes, 8 * 3600, 9 * 3600)
    inputs = SimInputs(net, oracle, requests, ServiceConfig(start_s=7 * 3600, end_s=10 * 3600),
                       [VehicleTypeConfig("van", 3, 4)], DispatchConfig(), seed=1)
    reports: dict[bool, list[tuple[str, float, float]]] = {}
    for fast in (True, False):
        monkeypatch.setattr(Engine, "_fast_loop", fast)
        got: list[tuple[str, float, float]] = []
        simulate(inputs, progress=lambda task, done, total, got=got: got.append(
            (task, done, total)))
        reports[fast] = got
    assert [r for r in reports[True] if r[0] == "requests"] == [
        ("requests", 0, 1201), ("requests", 500, 1201), ("requests", 1000, 1201),
        ("requests", 1201, 1201)]
    assert reports[True] == reports[False]
