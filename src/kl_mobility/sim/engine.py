"""The simulation engine: an event clock (:class:`kl_mobility.sim.clock.Clock`, simpy's
event order), the fleet in flat arrays.

Processes are thin generators: the request source (one arrival after another), one timed
call per planned vehicle arrival (``Clock.call_at``; stale ones, whose vehicle was
re-planned meanwhile, do nothing), a dispatch ticker for batch policies or retries, a rebalancing ticker and charging
stops. Everything they do is a call into pure functions and numba kernels.

A vehicle re-planned while driving continues to the next node of its path and is re-planned
from there (:func:`kl_mobility.kernels.insertion.start_states`); distances are accounted hop
by hop along the paths actually driven (:func:`kl_mobility.kernels.movement.drive`).

External zones (Ortsbezirke outside the network, attached to a boundary node with a one-way
offset ``off`` seconds / ``off_m`` metres): the stop is planned at the boundary node, and the
vehicle drives out to the zone and back while "at" it. So the kernels see, per request,

- pickup window ``[early - off_o, late_pick - off_o]`` at the boundary node and dwell
  ``dwell + 2 off_o`` (out, board, back); the rider boards at the zone at
  ``b + off_o`` (``b`` = service start at the boundary node), which is ``pickup_time_s``;
- drop-off deadline ``late_drop - off_d`` at the boundary node and dwell ``dwell + 2 off_d``;
  the rider alights at the zone at ``a + off_d`` (``a`` = arrival at the boundary node),
  which is ``dropoff_time_s``.

The out-and-back distance ``2 off_m`` is added to the vehicle's km (occupied on each leg
with persons aboard: before a pickup those already on board, after it the new party too),
passenger-km (persons aboard x leg), energy or fuel, and to ``km_external``; it is on no
road edge, so ``km_total`` = edge vehicle-km + ``km_external``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kl_mobility.dispatch.base import DispatchPolicy
from kl_mobility.dispatch.policies import InsertionPolicy
from kl_mobility.kernels.insertion import (
    COST_KINDS,
    INFEASIBLE,
    Cursor,
    Fleet,
    Request,
    Rules,
    Schedules,
    Tables,
    _best_insertion_at,
    insertion_cost_matrix,
    start_states,
)
from kl_mobility.kernels.movement import Accounts, Edges, Move, _drive
from kl_mobility.kernels.schedule import count_full, insert_stops, pop_stop
from kl_mobility.progress import ProgressCallback, report
from kl_mobility.service import ServiceConfig, at_boundary, dwell_s
from kl_mobility.sim import clock as clock_module
from kl_mobility.sim.clock import Clock
from kl_mobility.sim.config import VehicleTypeConfig
from kl_mobility.sim.events import EV
from kl_mobility.sim.fastloop import fast_loop, uniform_tables
from kl_mobility.sim.setup import fleet_arrays, kernel_entry
from kl_mobility.sim.state import (
    ST_CANCELLED,
    ST_OPEN,
    ST_REJECTED,
    ST_SERVED,
    FleetState,
    RequestState,
)
from kl_mobility.sim.travel import TypeTables

__all__ = ["Engine", "EngineSetup"]

_FAR = np.iinfo(np.int64).max // 4


@dataclass(frozen=True, eq=False)
class EngineSetup:
    """Everything an :class:`Engine` runs on, packed by :func:`kl_mobility.sim.simulate`.

    ``network``: the road network; ``tables``: travel-time tables per vehicle type (fleet
    order), ``base``: those of the network's own speeds; ``req``: the requests as flat
    arrays (:func:`kl_mobility.sim.setup.make_requests`); ``fleet_cfg``: the vehicle types;
    ``fleet``: the vehicles' state (:func:`kl_mobility.sim.setup.make_fleet`); ``service``:
    the service rules; ``policy``: the dispatch policy; ``cost``: the insertion cost (a key
    of :data:`kl_mobility.kernels.insertion.COST_KINDS`); ``retry_interval_s``: how often
    kept requests are retried; ``depots``: depot nodes; ``rng``: the dispatch stream;
    ``t0``: the clock's start; ``record_legs``: keep the driven legs; ``cost_weights``:
    ``(vehicle, wait, ride)`` weights of the ``rider_time`` cost (see
    :class:`~kl_mobility.dispatch.config.DispatchConfig`).
    """

    network: Any
    tables: Sequence[TypeTables]
    base: TypeTables
    req: RequestState
    fleet_cfg: Sequence[VehicleTypeConfig]
    fleet: FleetState
    service: ServiceConfig
    policy: DispatchPolicy
    cost: str
    retry_interval_s: int
    depots: np.ndarray
    rng: np.random.Generator
    t0: int
    record_legs: bool = False
    cost_weights: tuple[float, float, float] = (2.875, 1.6, 1.0)


class Engine:
    """One simulation run; implements :class:`kl_mobility.dispatch.DispatchContext`.

    Under immediate insertion (no batches, no rebalancing, no ``on_event`` callback) the
    whole event loop runs in one kernel (:mod:`kl_mobility.sim.fastloop`), with the same
    results as the processes here, which run every other case."""

    _fast_loop = True
    """Run immediate insertion in the loop kernel (False: always on the clock; tests)."""

    def __init__(self, setup: EngineSetup, *, progress: ProgressCallback | None = None,
                 callbacks: Any = None) -> None:
        network, fleet_cfg, fleet = setup.network, setup.fleet_cfg, setup.fleet
        service, t0, record_legs = setup.service, setup.t0, setup.record_legs
        self.network = network
        self.tables = list(setup.tables)
        self.kernel_tables = [Tables(tb.tt, tb.ttT, tb.nxt, tb.nxtT) for tb in self.tables]
        self.base = setup.base
        self.req = setup.req
        self.fleet_cfg = list(fleet_cfg)
        self.f = fleet
        self.service = service
        self.policy = setup.policy
        # the built-in immediate insertion (also under rebalancing): a request is offered by
        # the two calls its dispatch makes, without the arrays around them
        self._immediate = (getattr(type(setup.policy), "dispatch", None)
                           is InsertionPolicy.dispatch)
        self.cost_kind = COST_KINDS[setup.cost]
        w_vehicle, w_wait, w_ride = (float(w) for w in setup.cost_weights)
        self.rules = Rules(cost_kind=self.cost_kind, max_len=fleet.max_stops - 2,
                           w_vehicle=w_vehicle, w_wait=w_wait, w_ride=w_ride)
        self.retry_interval_s = setup.retry_interval_s
        self.depots = setup.depots
        self.rng = setup.rng
        self.progress = progress
        self.on_event: Callable[..., None] | None = getattr(callbacks, "on_event", None)
        self.clock = Clock(t0)
        self.consts = fleet_arrays(fleet_cfg)
        m = network.n_edges
        self.indptr = np.asarray(network.indptr, np.int64)
        self.head = np.asarray(network.edge_head, np.int64)
        self.length = np.asarray(network.edge_length_m, np.float64)
        self.edge_vkm = np.zeros(m)
        self.edge_vkm_occ = np.zeros(m)
        self.edge_pkm = np.zeros(m)
        self.edge_count = np.zeros(m, np.int64)
        self.edge_vkm_type = np.zeros((len(fleet_cfg), m))
        self.edges = Edges(self.indptr, self.head, self.length)
        self.accounts = Accounts(self.edge_vkm, self.edge_vkm_occ, self.edge_pkm,
                                 self.edge_count, self.edge_vkm_type)
        self.record_legs = record_legs
        self.legs: list[tuple[int, int, int]] = []
        # vehicles passed over because their schedule has no room for two more stops
        # (service.max_stops): counted per request offered, never silently
        self.max_stops_skips = 0
        self.max_stops_full = np.zeros(setup.fleet.n, bool)
        self._events: list[tuple[int, int, int, int, int]] = []  # see ev
        self._ev_arrays: tuple[np.ndarray, ...] | None = None  # the loop kernel's log
        self.pending: list[int] = []
        # requests taken off their vehicle (unassign) and not committed again yet
        self.released: set[int] = set()
        self.batch_queue: list[int] = []
        self.source_done = False
        self.type_vehicles = [np.flatnonzero(fleet.type_idx == ti)
                              for ti in range(len(fleet_cfg))]
        self.unserved_keep = service.unserved == "keep"
        hours = np.array([vt.hours(service) for vt in fleet_cfg], np.int64).reshape(-1, 2)
        self.type_start_s, self.type_end_s = hours[:, 0], hours[:, 1]
        self.forecast: tuple[np.ndarray, np.ndarray] | None = None
        self.cursor = Cursor.new(fleet.version, fleet.max_stops)
        self._entry = kernel_entry(self.kernel_tables, fleet, self.cursor, self.rules,
                                   setup.req, service)
        self._rid = setup.req.request_id.tolist()  # for the event log
        # types with vehicles, and each type's end of taking requests (_taking_requests)
        self._staffed = [ti for ti, tv in enumerate(self.type_vehicles) if tv.size]
        self._type_end = self.type_end_s.tolist()
        self._edges_plain, self._accounts_plain = tuple(self.edges), tuple(self.accounts)
        self._stop_rows = (fleet.sched_node, fleet.sched_early, fleet.sched_late,
                           fleet.sched_delta, fleet.sched_dwell, fleet.sched_req)

    # ------------------------------------------------------------------ basics
    @property
    def now(self) -> int:
        return self.clock.now

    @property
    def ev(self) -> tuple[Sequence[int] | np.ndarray, ...]:
        """The event log as five columns (time, kind code, vehicle, request id, node), in
        the order the events were logged (:func:`kl_mobility.sim.events.events_frame`):
        int64 arrays from the loop kernel, else lists."""
        if self._ev_arrays is not None:
            if not self._events:
                return self._ev_arrays
            return tuple(np.concatenate([a, np.asarray(b, np.int64)]) for a, b in zip(
                self._ev_arrays, zip(*self._events, strict=True), strict=True))
        if not self._events:
            return [], [], [], [], []
        t, kind, v, r, node = (list(c) for c in zip(*self._events, strict=True))
        return t, kind, v, r, node

    def _log(self, t: int, kind: str, v: int = -1, r: int = -1, node: int = -1) -> None:
        rid = self._rid[r] if r >= 0 else -1
        self._events.append((int(t), EV[kind], int(v), rid, int(node)))
        if self.on_event is not None:
            self.on_event(int(t), kind, int(v), rid, int(node))

    def _finalize(self, r: int, status: int, reason: str) -> None:
        self.req.status[r] = status
        self.req.reason[r] = reason
        self._log(self.clock.now, "reject" if status == ST_REJECTED else "cancel", r=r)

    # ------------------------------------------------------------------ processes
    def run(self) -> None:
        if self._fast_loop and self._loop_ok():
            fast_loop(self)
            self._end_of_day()
            return
        self.clock.process(self._request_source())
        if self.policy.batch_interval_s > 0:
            self.clock.process(self._ticker(self.policy.batch_interval_s))
        elif self.unserved_keep:
            self.clock.process(self._ticker(self.retry_interval_s))
        if self.policy.rebalance_interval_s > 0:
            self.clock.process(self._rebalancer(self.policy.rebalance_interval_s))
        self.clock.run()
        self._end_of_day()

    def _loop_ok(self) -> bool:
        """Whether :func:`kl_mobility.sim.fastloop.fast_loop` runs this day: immediate
        insertion without batches, rebalancing or an event callback, on the engine's own
        clock (not a stand-in), and tables of one kind for all types."""
        return (type(self.clock) is clock_module.Clock and self._immediate and self.policy.batch_interval_s <= 0
                and self.policy.rebalance_interval_s <= 0 and self.on_event is None
                and self.f.n > 0 and self.depots.size > 0 and uniform_tables(self._entry[0]))

    def _end_of_day(self) -> None:
        for r in self.pending + self.batch_queue:
            self._finalize(r, ST_CANCELLED, "end_of_day")
        self.pending.clear()
        self.batch_queue.clear()
        left = np.flatnonzero(self.req.status == ST_OPEN)
        if left.size:
            raise RuntimeError(f"{left.size} requests ended without a final state")

    def _request_source(self):
        req = self.req
        order = np.lexsort((np.arange(req.n), req.release_s))
        total = req.n
        for k, r in enumerate(order):
            t = int(req.release_s[r])
            if t > self.clock.now:
                yield t - self.clock.now
            self._on_request(int(r))
            if k % 500 == 0:
                report(self.progress, "requests", k, total)
                report(self.progress, "simulated time", self.clock.now - self.service.start_s,
                       self.service.end_s - self.service.start_s)
        report(self.progress, "requests", total, total)
        self.source_done = True

    def _on_request(self, r: int) -> None:
        self._log(self.clock.now, "request", r=r, node=int(self.req.origin[r]))
        reason = self.req.reason[r]
        if reason:
            self._finalize(r, ST_REJECTED, reason)
            return
        if self.policy.batch_interval_s > 0:
            self.batch_queue.append(r)
            return
        if self._immediate:
            _, v, i, j = self.best_insertion(r)
            if v >= 0:
                self.commit(r, v, i, j)
            else:
                self._unassigned(r)
        elif not self.policy.dispatch(self, np.array([r], np.int64))[0]:
            self._unassigned(r)
        self._settle_released()

    def _settle_released(self) -> None:
        """Requests a policy took off their vehicle and did not commit again in the same
        call are handled like requests it did not assign (kept or rejected)."""
        if self.released:
            for r in sorted(self.released):
                self._unassigned(r)
            self.released.clear()

    def _unassigned(self, r: int) -> None:
        if self.unserved_keep:
            self.pending.append(r)
        else:
            self._finalize(r, ST_REJECTED, "no_vehicle")

    def _ticker(self, interval: int):
        while True:
            yield interval
            now = self.clock.now
            still = []
            for r in self.pending:
                if now > self._pickup_deadline(r):
                    self._finalize(r, ST_CANCELLED, "deadline_passed")
                else:
                    still.append(r)
            reqs = still + self.batch_queue
            self.pending = []
            self.batch_queue = []
            if reqs:
                arr = np.array(reqs, np.int64)
                ok = self.policy.dispatch(self, arr)
                for r in arr[~ok]:
                    self._unassigned(int(r))
                self._settle_released()
            if self.source_done and not self.pending and not self.batch_queue:
                return

    def _rebalancer(self, interval: int):
        while self.clock.now < self.service.end_s:
            yield interval
            if self.clock.now < self.service.end_s:
                self.policy.rebalance(self)
                self._settle_released()

    def _arrival(self, v: int, version: int) -> None:
        """A planned arrival falls due (``Clock.call_at``); stale when the vehicle was
        re-planned since (its plan version moved on)."""
        if self.f.version[v] == version:
            self._arrive(v)

    def _charge(self, v: int):
        f = self.f
        self._log(self.clock.now, "charge_start", v=v, node=int(f.pos_node[v]))
        f.n_charges[v] += 1
        yield self.service.charge_time_s
        f.soc_kwh[v] = self.consts["battery"][f.type_idx[v]]
        f.charging[v] = False
        f.available[v] = True
        f.pos_time[v] = self.clock.now
        f.version[v] += 1
        f.last_active_s[v] = self.clock.now
        self._log(self.clock.now, "charge_end", v=v, node=int(f.pos_node[v]))

    # ------------------------------------------------------------------ vehicle moves
    def _drive(self, v: int, target: int, until: int) -> None:
        f = self.f
        ti = int(f.type_idx[v])
        start = int(f.pos_node[v])
        node, t, m_tot, m_occ, m_pax = _drive(  # drive(), on the packs made once
            self._entry[0][ti], self._edges_plain, self._accounts_plain,
            tuple(Move(start, int(f.pos_time[v]), target, until, int(f.load[v]), ti)))
        if node != start:
            if self.record_legs:
                self.legs.append((start, node, ti))
            km = m_tot / 1000.0
            f.km[v] += km
            f.km_occupied[v] += m_occ / 1000.0
            f.passenger_km[v] += m_pax / 1000.0
            e = km * self.consts["kwh_per_km"][ti]
            f.energy_kwh[v] += e
            f.soc_kwh[v] -= e
            f.fuel_l[v] += km * self.consts["l_per_km"][ti]
        f.pos_node[v] = node
        f.pos_time[v] = t

    def _drive_external(self, v: int, off_m: float, load_out: int, load_back: int) -> None:
        """Account a drive from the boundary node out to an external zone (``off_m`` metres
        with ``load_out`` persons) and back (``load_back`` persons); no road edge."""
        f = self.f
        ti = int(f.type_idx[v])
        km_leg = off_m / 1000.0
        km = 2.0 * km_leg
        f.km[v] += km
        f.km_external[v] += km
        f.km_occupied[v] += km_leg * ((load_out > 0) + (load_back > 0))
        f.passenger_km[v] += km_leg * (load_out + load_back)
        e = km * self.consts["kwh_per_km"][ti]
        f.energy_kwh[v] += e
        f.soc_kwh[v] -= e
        f.fuel_l[v] += km * self.consts["l_per_km"][ti]

    def _plan(self, v: int) -> None:
        """Set the vehicle's target from its schedule and plan its next arrival."""
        f = self.f
        f.version[v] += 1
        tgt = int(f.sched_node[v, 0]) if f.sched_len[v] > 0 else int(f.idle_target[v])
        f.target[v] = tgt
        if tgt >= 0:
            tt = self.tables[int(f.type_idx[v])].tt
            t_arr = int(f.pos_time[v]) + int(tt[f.pos_node[v], tgt])
            self.clock.call_at(t_arr, self._arrival, v, int(f.version[v]))

    def _arrive(self, v: int) -> None:
        f = self.f
        self._drive(v, int(f.target[v]), _FAR)
        if f.sched_len[v] > 0:
            self._serve_stop(v)
        else:
            f.idle_target[v] = -1
            f.pos_time[v] = self.clock.now
            self._log(self.clock.now, "arrive", v=v, node=int(f.pos_node[v]))
            if f.charging[v]:
                f.target[v] = -1
                f.version[v] += 1
                self.clock.process(self._charge(v))
                return
        self._after_stop(v)

    def _serve_stop(self, v: int) -> None:
        f, req = self.f, self.req
        a = self.clock.now
        node = int(f.sched_node[v, 0])
        r = int(f.sched_req[v, 0])
        delta = int(f.sched_delta[v, 0])
        b = max(a, int(f.sched_early[v, 0]))
        off_m = float(req.off_o_m[r] if delta > 0 else req.off_d_m[r])
        if off_m > 0:  # out to the external zone with the load before the stop, back after
            self._drive_external(v, off_m, int(f.load[v]), int(f.load[v]) + delta)
        if delta > 0:
            t_pick = b + int(req.off_o[r])
            req.pickup_s[r] = t_pick
            self._log(t_pick, "pickup", v=v, r=r, node=node)
            onboard = f.onboard[v]
            if onboard:
                req.shared[r] = True
                for q in onboard:
                    req.shared[q] = True
            onboard.add(r)
        else:
            t_drop = a + int(req.off_d[r])
            req.dropoff_s[r] = t_drop
            req.status[r] = ST_SERVED
            f.n_served[v] += 1
            f.onboard[v].discard(r)
            self._log(t_drop, "dropoff", v=v, r=r, node=node)
        f.load[v] += delta
        f.pos_time[v] = b + int(f.sched_dwell[v, 0])
        f.last_active_s[v] = f.pos_time[v]
        m = int(f.sched_len[v])
        pop_stop(self._stop_rows, v, m)
        f.sched_len[v] = m - 1

    def _after_stop(self, v: int) -> None:
        f = self.f
        ti = int(f.type_idx[v])
        battery = self.consts["battery"][ti]
        if (f.sched_len[v] == 0 and battery > 0 and not f.charging[v]
                and f.soc_kwh[v] < self.service.charge_threshold * battery):
            f.charging[v] = True
            f.available[v] = False
            tt = self.tables[ti].tt
            dep = self.depots[np.argmin(tt[f.pos_node[v], self.depots])]
            if dep == f.pos_node[v]:
                f.target[v] = -1
                f.version[v] += 1
                self.clock.process(self._charge(v))
                return
            f.idle_target[v] = int(dep)
        self._plan(v)

    # ------------------------------------------------------------------ dispatch context
    def _taking_requests(self, ti: int) -> bool:
        """A type takes new requests until its own ``end_s`` (requests whose pickup its
        hours do not cover are not offered to it at all, see ``make_requests``)."""
        return self.clock.now < self.type_end_s[ti]

    def _pickup_deadline(self, r: int) -> int:
        """The latest time any type could still start the pickup of a waiting request
        ``r``, at the node it is served from (the boundary node of an outer district:
        :func:`kl_mobility.service.at_boundary`)."""
        return int(self.req.late_pick[:, r].max() - self.req.off_o[r])

    def _count_full(self, tv: np.ndarray, n_requests: int) -> None:
        """Count the available vehicles of ``tv`` whose schedules have no room for a
        pickup and a drop-off (``service.max_stops``), once per request offered."""
        f = self.f
        if not count_full(tv, f.available, f.sched_len, f.max_stops - 2):
            return
        full = tv[f.available[tv] & (f.sched_len[tv] > f.max_stops - 2)]
        if full.size:
            self.max_stops_skips += int(full.size) * n_requests
            self.max_stops_full[full] = True

    def _candidates(self, ti: int, n_requests: int = 1) -> np.ndarray:
        f = self.f
        if not self._taking_requests(ti):
            return np.zeros(0, np.int64)
        tv = self.type_vehicles[ti]
        self._count_full(tv, n_requests)
        return tv[f.available[tv] & (f.sched_len[tv] <= f.max_stops - 2)]

    def _req_args(self, ti: int, r: int) -> dict[str, int]:
        """The request as the kernels see it: windows at the served nodes (boundary nodes
        for external zones, shifted by the offsets) and dwell incl. out-and-back drives
        (:func:`kl_mobility.service.at_boundary`)."""
        return Request(*self._entry[5][ti][r])._asdict()

    def _positions(self) -> Fleet:
        """The fleet's positions, loads and seats as the insertion kernels take them."""
        f = self.f
        return Fleet(f.pos_node, f.pos_time, f.load, f.capacity, f.target, f.available)

    def _schedules(self) -> Schedules:
        f = self.f
        return Schedules(f.sched_len, f.sched_node, f.sched_early, f.sched_late, f.sched_delta,
                         f.sched_dwell)

    def best_insertion(self, req: int) -> tuple[int, int, int, int]:
        """:func:`~kl_mobility.kernels.insertion.best_insertion_at` over each type, on the
        packs of :func:`~kl_mobility.sim.setup.kernel_entry`."""
        best = (int(INFEASIBLE), -1, -1, -1)
        tables, fleet, cursor, sched, rules, reqs = self._entry
        now = self.clock.now
        t = np.int64(now)
        for ti in self._staffed:
            kreq = reqs[ti][req]
            if kreq[0] < 0 or now >= self._type_end[ti]:  # not served by, or not taking
                continue
            tv = self.type_vehicles[ti]
            self._count_full(tv, 1)
            c, v, i, j = _best_insertion_at(t, tables[ti], tv, fleet, cursor, sched, kreq,
                                            rules)
            if c < best[0]:
                best = (int(c), int(v), int(i), int(j))
        return best

    def cost_matrix(self, reqs: np.ndarray):
        f, rq = self.f, self.req
        reqs = np.asarray(reqs, np.int64)
        costs, vehicles, iis, jjs = [], [], [], []
        pax = rq.passengers[reqs]
        dw = dwell_s(self.service, pax)
        oo, od = rq.off_o[reqs], rq.off_d[reqs]  # external zones, see _req_args
        for ti, tables in enumerate(self.kernel_tables):
            cand = self._candidates(ti, int((rq.o[ti, reqs] >= 0).sum()))
            if cand.size == 0:
                continue
            sn, st = start_states(self.clock.now, tables, cand, self._positions(), self.cursor)
            ok = rq.o[ti, reqs] >= 0
            c = np.full((reqs.size, cand.size), INFEASIBLE, np.int64)
            ii = np.full(c.shape, -1, np.int64)
            jj = np.full(c.shape, -1, np.int64)
            if ok.any():
                sub = reqs[ok]
                early, late_pick, late_drop, dwell_pick, dwell_drop = at_boundary(
                    rq.early[ti, sub], rq.late_pick[ti, sub], rq.late_drop[ti, sub], dw[ok],
                    oo[ok], od[ok])
                c2, i2, j2 = insertion_cost_matrix(
                    tables, cand, Fleet(sn, st, f.load, f.capacity), self._schedules(),
                    Request(rq.o[ti, sub], rq.d[ti, sub], early, late_pick, late_drop, pax[ok],
                            dwell_pick, dwell_drop), rules=self.rules)
                c[ok], ii[ok], jj[ok] = c2, i2, j2
            costs.append(c)
            vehicles.append(cand)
            iis.append(ii)
            jjs.append(jj)
        if not vehicles:
            z = np.zeros((reqs.size, 0), np.int64)
            return z, np.zeros(0, np.int64), z, z
        return (np.hstack(costs), np.concatenate(vehicles), np.hstack(iis), np.hstack(jjs))

    def insertion_inputs(self, reqs: np.ndarray) -> list[tuple[Any, ...]]:
        f, rq = self.f, self.req
        reqs = np.asarray(reqs, np.int64)
        out: list[tuple[Any, ...]] = []
        pax = rq.passengers[reqs]
        dw = dwell_s(self.service, pax)
        oo, od = rq.off_o[reqs], rq.off_d[reqs]  # external zones, see _req_args
        for ti, tables in enumerate(self.kernel_tables):
            ok = np.flatnonzero(rq.o[ti, reqs] >= 0)
            cand = self._candidates(ti, int(ok.size))
            if cand.size == 0 or ok.size == 0:
                continue
            sn, st = start_states(self.clock.now, tables, cand, self._positions(), self.cursor)
            sub = reqs[ok]
            early, late_pick, late_drop, dwell_pick, dwell_drop = at_boundary(
                rq.early[ti, sub], rq.late_pick[ti, sub], rq.late_drop[ti, sub], dw[ok],
                oo[ok], od[ok])
            out.append((tables, cand, Fleet(sn, st, f.load, f.capacity), self._schedules(),
                        Request(rq.o[ti, sub], rq.d[ti, sub], early, late_pick, late_drop,
                                pax[ok], dwell_pick, dwell_drop), ok, self.rules))
        return out

    def commit(self, req: int, vehicle: int, i: int, j: int) -> None:
        f, v, now = self.f, vehicle, self.clock.now
        ti = int(f.type_idx[v])
        if f.target[v] >= 0 and f.pos_time[v] < now:
            self._drive(v, int(f.target[v]), now)
        f.pos_time[v] = max(int(f.pos_time[v]), now)
        f.idle_target[v] = -1
        o, d, early, late_pick, late_drop, pax, dwell_pick, dwell_drop = (
            self._entry[5][ti][req][:8])
        m = int(f.sched_len[v])
        if m + 2 > f.max_stops or not (0 <= i <= j <= m):
            raise ValueError(f"cannot insert at ({i}, {j}) into a schedule of {m} stops")
        insert_stops(self._stop_rows, v, m, i, j, (o, early, late_pick, pax, dwell_pick, req),
                     (d, 0, late_drop, -pax, dwell_drop, req))
        f.sched_len[v] = m + 2
        self.released.discard(req)
        self.req.vehicle[req] = v
        self.req.assigned_type[req] = ti
        self._log(now, "assign", v=v, r=req, node=int(f.pos_node[v]))
        self._plan(v)

    def unpicked(self) -> tuple[np.ndarray, np.ndarray]:
        """``(requests, vehicles)``: the requests assigned and not yet picked up (both
        stops still planned), ascending, and their vehicles; only on available vehicles of
        types still taking requests that, without all their unpicked requests, have room
        for two more stops (so they are candidates again once those are unassigned)."""
        f = self.f
        taking = self.now < self.type_end_s
        width = f.sched_req.shape[1]
        planned = np.arange(width)[None, :] < f.sched_len[:, None]
        pick = planned & (f.sched_delta > 0)
        n_pick = pick.sum(axis=1)
        ok = (f.available & taking[f.type_idx]
              & (f.sched_len - 2 * n_pick <= f.max_stops - 2))
        sel = pick & ok[:, None]
        reqs = f.sched_req[sel].astype(np.int64)
        vehicles = np.nonzero(sel)[0].astype(np.int64)
        order = np.argsort(reqs, kind="stable")
        return reqs[order], vehicles[order]

    def planned_requests(self, vehicle: int) -> tuple[np.ndarray, np.ndarray]:
        """``(requests, pickup)``: the request of each planned stop of ``vehicle`` in
        order, and whether the stop is its pickup."""
        f = self.f
        m = int(f.sched_len[vehicle])
        return (f.sched_req[vehicle, :m].astype(np.int64).copy(),
                f.sched_delta[vehicle, :m] > 0)

    def unassign(self, req: int) -> None:
        """Take request ``req`` off its vehicle before its pickup: both its stops leave the
        schedule (the other stops keep their order, so their deadlines still hold: a
        schedule without two stops is never slower, by the triangle inequality) and the
        vehicle is re-planned from the next node it reaches, as on :meth:`commit`. The
        request is open again: the policy commits it again (to any vehicle) in the same
        call; one it does not is handled like a request it did not assign (kept waiting
        or rejected as ``no_vehicle``, per ``service.unserved``), never lost."""
        f, rq, now = self.f, self.req, self.now
        v = int(rq.vehicle[req])
        if v < 0 or rq.status[req] != ST_OPEN:
            raise ValueError(f"request {req} is not assigned to a vehicle")
        m = int(f.sched_len[v])
        rows = np.flatnonzero(f.sched_req[v, :m] == req)
        if rows.size != 2:
            raise ValueError(f"request {req} is picked up already (vehicle {v})")
        if f.target[v] >= 0 and f.pos_time[v] < now:
            self._drive(v, int(f.target[v]), now)
        f.pos_time[v] = max(int(f.pos_time[v]), now)
        keep = np.ones(m, bool)
        keep[rows] = False
        for arr in (f.sched_node, f.sched_early, f.sched_late, f.sched_delta, f.sched_dwell,
                    f.sched_req):
            arr[v, : m - 2] = arr[v, :m][keep]
        f.sched_len[v] = m - 2
        rq.vehicle[req] = -1
        rq.assigned_type[req] = -1
        self.released.add(req)
        self._log(now, "unassign", v=v, r=req, node=int(f.pos_node[v]))
        self._plan(v)

    def idle_vehicles(self) -> np.ndarray:
        """Idle vehicles of the types inside their own hours (off-duty ones stay put)."""
        f = self.f
        on_duty = (self.type_start_s <= self.clock.now) & (self.clock.now < self.type_end_s)
        return np.flatnonzero(f.available & (f.sched_len == 0) & (f.target < 0)
                              & on_duty[f.type_idx])

    def request_origins(self, reqs: np.ndarray) -> np.ndarray:
        return self.req.origin[np.asarray(reqs, np.int64)]

    def vehicle_nodes(self, vehicles: np.ndarray) -> np.ndarray:
        return self.f.pos_node[np.asarray(vehicles, np.int64)]

    def send_vehicle(self, vehicle: int, node: int) -> None:
        f = self.f
        if f.sched_len[vehicle] > 0 or node == f.pos_node[vehicle]:
            return
        if f.target[vehicle] >= 0 and f.pos_time[vehicle] < self.clock.now:
            self._drive(vehicle, int(f.target[vehicle]), self.clock.now)
        f.pos_time[vehicle] = max(int(f.pos_time[vehicle]), self.clock.now)
        f.idle_target[vehicle] = int(node)
        self._log(self.clock.now, "rebalance", v=vehicle, node=int(node))
        self._plan(vehicle)

    def expected_origins(self, t0: int, t1: int) -> np.ndarray:
        if self.forecast is not None:
            ft, fo = self.forecast
            return fo[np.searchsorted(ft, t0): np.searchsorted(ft, t1)]
        req = self.req
        sel = (req.release_s >= t0) & (req.release_s < t1) & (req.reason == "")
        return req.origin[sel]

    def travel_time(self, orig: np.ndarray, dest: np.ndarray) -> np.ndarray:
        return self.base.tt[np.asarray(orig, np.int64), np.asarray(dest, np.int64)].astype(
            np.int64)

    def node_xy(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.network.node_x), np.asarray(self.network.node_y)
