"""The engine's clock runs processes in simpy's order (the reference: simpy itself)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simhelpers import SimpyClock, grid, random_requests

import kl_mobility.sim.engine as engine_module
from kl_mobility.dispatch import DISPATCH_POLICIES, DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate
from kl_mobility.sim.clock import Clock


def _trace(clock_cls, seed: int) -> list[tuple[int, int, int]]:
    """``(time, process, step)`` of every step of a random set of processes: few distinct
    delays (0, 1, 2 s) so that many resumptions fall on the same second, and processes
    that start others mid-step (the case where simpy's urgent start events matter)."""
    rng = np.random.default_rng(seed)
    plan = {p: (rng.integers(0, 3, rng.integers(1, 6)).tolist(), rng.random() < 0.4)
            for p in range(40)}
    clock = clock_cls(5)
    log: list[tuple[int, int, int]] = []
    started = iter(range(8, 40))

    def proc(p):
        delays, spawns = plan[p]
        for k, d in enumerate(delays):
            log.append((clock.now, p, k))
            if spawns and k == 0:
                nxt = next(started, None)
                if nxt is not None:
                    clock.process(proc(nxt))
            yield d
        log.append((clock.now, p, len(delays)))

    for p in range(8):
        clock.process(proc(p))
    clock.run()
    return log


@pytest.mark.parametrize("seed", range(30))
def test_clock_order_is_simpys(seed):
    ours, ref = _trace(Clock, seed), _trace(SimpyClock, seed)
    assert ours == ref
    # the trace is not trivially ordered: some second holds steps of several processes
    times = [t for t, _, _ in ours]
    assert len(set(times)) < len(times)


def _timer_trace(clock_cls, seed: int) -> list[tuple[int, int, int]]:
    """Processes that also schedule calls (``call_at``) at 0-2 s from now, some from inside
    a call, on the same seconds as the processes' own steps."""
    rng = np.random.default_rng(seed)
    clock = clock_cls(3)
    log: list[tuple[int, int, int]] = []
    calls = iter(range(1000, 1100))

    def call(c, again):
        log.append((clock.now, c, -1))
        if again:
            clock.call_at(clock.now + int(rng.integers(0, 3)), call, next(calls), False)

    def proc(p):
        for k in range(int(rng.integers(1, 5))):
            log.append((clock.now, p, k))
            for _ in range(int(rng.integers(0, 3))):
                clock.call_at(clock.now + int(rng.integers(0, 3)), call, next(calls, -2),
                              rng.random() < 0.3)
            yield int(rng.integers(0, 3))

    for p in range(10):
        clock.process(proc(p))
    clock.run()
    return log


@pytest.mark.parametrize("seed", range(30))
def test_timed_calls_run_in_the_order_of_processes(seed):
    """Each call_at runs when, and in the order, a process waiting once and then calling
    would run on simpy (SimpyClock.call_at is that process)."""
    ours, ref = _timer_trace(Clock, seed), _timer_trace(SimpyClock, seed)
    assert ours == ref
    assert any(c >= 1000 for _, c, _ in ours)  # calls ran
    times = [t for t, _, _ in ours]
    assert len(set(times)) < len(times)


def test_timed_call_in_the_past_is_an_error():
    clock = Clock(10)
    clock.call_at(9, print)
    with pytest.raises(ValueError, match="negative delay"):
        clock.run()


def test_negative_delay_is_an_error():
    clock = Clock(0)

    def back():
        yield -1

    clock.process(back())
    with pytest.raises(ValueError, match="negative delay"):
        clock.run()


@pytest.mark.parametrize("policy", sorted(DISPATCH_POLICIES))
def test_engine_on_either_clock_gives_the_same_day(policy, monkeypatch):
    """Every registered policy on a 4 x 5 grid with waiting requests kept (retry ticker)
    and charging: trips, vehicles and the event log are equal with either clock."""
    net, oracle = grid(4, 5)
    rng = np.random.default_rng(7)
    req = random_requests(rng, 60, net.n_nodes, 3600, 3 * 3600, prebooked_share=0.3)
    service = ServiceConfig(start_s=3600, end_s=4 * 3600, max_wait_s=300, unserved="keep")
    fleet = (VehicleTypeConfig(name="van", count=4, capacity=3),)
    inputs = SimInputs(net, oracle, req, service, fleet, DispatchConfig(policy=policy), seed=3)
    ours = simulate(inputs)
    monkeypatch.setattr(engine_module, "Clock", SimpyClock)
    ref = simulate(inputs)
    pd.testing.assert_frame_equal(ours.trips, ref.trips)
    pd.testing.assert_frame_equal(ours.vehicles, ref.vehicles)
    pd.testing.assert_frame_equal(ours.events, ref.events)
    assert (ours.trips["status"] == "served").any()
