"""An engine's day under immediate insertion, in the loop kernel
(:mod:`kl_mobility.kernels.eventloop`): pack the engine's arrays, run the kernel in chunks
(progress reports between them, as the request source makes them), and write back what the
processes on the clock would have left (outcomes, reasons, the event log, the legs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kl_mobility.kernels.eventloop import (
    CODES,
    REASONS,
    STATE_FIELDS,
    TABLE_SLOTS,
    LoopFleet,
    LoopRequests,
    LoopRules,
    Work,
    World,
    run_chunk,
)
from kl_mobility.progress import report
from kl_mobility.service import at_boundary, dwell_s
from kl_mobility.sim.events import EV

__all__ = ["fast_loop", "uniform_tables"]

_REPORT_EVERY = 500
"""The request source reports after every 500th request (``Engine._request_source``)."""

_CHUNKS = 16
"""With a progress callback the kernel returns about this many times a day (at least every
``_REPORT_EVERY`` requests), the reports of the requests handled in between made then:
each call types every array of the world anew (about 1.6 ms)."""

_S = {name: k for k, name in enumerate(STATE_FIELDS)}


def _readonly(a: np.ndarray) -> np.ndarray:
    out = np.asarray(a).view(np.ndarray)
    out.flags.writeable = False
    return out


def _slot_tables(types: Sequence[tuple[Any, ...]]) -> tuple[tuple[Any, ...], ...]:
    """Read-only views of every type's tables in :data:`TABLE_SLOTS` slots, the free slots
    holding the first type's again: one numba type (a homogeneous tuple the kernel indexes
    by type) whatever the number of types."""
    views = [tuple(None if a is None else _readonly(a) for a in tb) for tb in types]
    return tuple(views) + (views[0],) * (TABLE_SLOTS - len(views))


def uniform_tables(tables: Sequence[tuple[Any, ...]]) -> bool:
    """Whether there are at most :data:`TABLE_SLOTS` types and every type's plain
    :class:`~kl_mobility.kernels.insertion.Tables` has the same fields present, of the same
    dtypes, 2-D and C-contiguous: read-only views of them are then one numba type, which
    the kernel indexes by type."""
    if not tables or len(tables) > TABLE_SLOTS:
        return False
    first = tables[0]
    return all(len(tb) == len(first) and all(
        (a is None and b is None) or (a is not None and b is not None and a.ndim == 2
                                      and a.flags.c_contiguous and a.dtype == b.dtype)
        for a, b in zip(tb, first, strict=True)) for tb in tables)


def _i64(a: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A writable int64 copy of ``a`` broadcast to ``shape`` (one compiled signature)."""
    return np.array(np.broadcast_to(np.asarray(a, np.int64), shape), np.int64, order="C")


def fast_loop(eng: Any) -> None:
    """Run the day of ``eng`` (a :class:`kl_mobility.sim.engine.Engine`, which imports this
    module) in the loop kernel; afterwards ``eng`` holds what
    :meth:`Engine.run`'s processes leave before the end of the day (kept requests still
    waiting in ``eng.pending``)."""
    f, rq, svc = eng.f, eng.req, eng.service
    n, shape = rq.n, rq.o.shape
    early, late_pick, late_drop, dwell_pick, dwell_drop = at_boundary(
        rq.early, rq.late_pick, rq.late_drop, dwell_s(svc, rq.passengers), rq.off_o,
        rq.off_d)
    deadline = (rq.late_pick.max(axis=0) - rq.off_o if shape[0] and n
                else np.zeros(n, np.int64))
    requests = LoopRequests(
        order=np.lexsort((np.arange(n), rq.release_s)).astype(np.int64),
        release_s=_i64(rq.release_s, (n,)), request_id=_i64(rq.request_id, (n,)),
        origin=_i64(rq.origin, (n,)),
        has_reason=np.array([bool(x) for x in rq.reason], np.bool_).reshape(n),
        o=_i64(rq.o, shape), d=_i64(rq.d, shape), early=_i64(early, shape),
        late_pick=_i64(late_pick, shape), late_drop=_i64(late_drop, shape),
        dwell_pick=_i64(dwell_pick, shape), dwell_drop=_i64(dwell_drop, shape),
        passengers=_i64(rq.passengers, (n,)), off_o=_i64(rq.off_o, (n,)),
        off_d=_i64(rq.off_d, (n,)),
        off_o_m=np.ascontiguousarray(rq.off_o_m, np.float64),
        off_d_m=np.ascontiguousarray(rq.off_d_m, np.float64),
        deadline=_i64(deadline, (n,)), status=rq.status, reason_code=np.zeros(n, np.int8),
        vehicle=rq.vehicle, assigned_type=rq.assigned_type, pickup_s=rq.pickup_s,
        dropoff_s=rq.dropoff_s, shared=rq.shared, pending=np.zeros(n, np.int64),
        pending_tmp=np.zeros(n, np.int64))
    onboard = np.zeros((f.n, f.max_stops), np.int64)
    n_onboard = np.zeros(f.n, np.int64)
    fleet = LoopFleet(
        f.type_idx, f.capacity, f.pos_node, f.pos_time, f.target, f.idle_target, f.load,
        f.available, f.charging, f.version, f.sched_len, f.sched_node, f.sched_early,
        f.sched_late, f.sched_delta, f.sched_dwell, f.sched_req, f.km, f.km_occupied,
        f.passenger_km, f.km_external, f.energy_kwh, f.fuel_l, f.soc_kwh, f.n_charges,
        f.n_served, f.last_active_s, onboard, n_onboard, eng.max_stops_full)
    sizes = [tv.size for tv in eng.type_vehicles]
    rules = LoopRules(
        staffed=np.asarray(eng._staffed, np.int64),
        tv_ptr=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        tv_idx=np.concatenate(eng.type_vehicles).astype(np.int64),
        type_end=_i64(eng.type_end_s, (len(sizes),)),
        battery=np.asarray(eng.consts["battery"], np.float64),
        kwh_per_km=np.asarray(eng.consts["kwh_per_km"], np.float64),
        l_per_km=np.asarray(eng.consts["l_per_km"], np.float64),
        depots=_i64(eng.depots, (eng.depots.size,)),
        codes=np.array([EV[k] for k in CODES], np.int64),
        max_stops=int(f.max_stops), charge_time_s=int(svc.charge_time_s),
        charge_threshold=float(svc.charge_threshold),
        retry_interval_s=int(eng.retry_interval_s), keep=bool(eng.unserved_keep),
        record_legs=bool(eng.record_legs))
    tables = _slot_tables(eng._entry[0])
    _, kfleet, cursor, sched, irules, _ = eng._entry
    world = World(fleet, requests, rules, tables, eng._edges_plain, eng._accounts_plain,
                  kfleet, cursor, sched, irules)
    state = np.zeros(len(STATE_FIELDS), np.int64)
    state[_S["now"]] = eng.clock.now
    work = Work(state, heap=np.zeros((n + 1024, 5), np.int64),
                log=np.zeros((5 * n + 1024, 5), np.int64),
                legs=np.zeros((n + 1024 if eng.record_legs else 1, 3), np.int64),
                start=np.zeros((2 * n + 16, 4), np.int64))
    next_k, done_reported = 0, False
    span = svc.end_s - svc.start_s
    # how far past the next report the kernel may run before it returns (no callback: never)
    ahead = max(0, -(-n // _CHUNKS) - _REPORT_EVERY) if eng.progress is not None else n + 1
    while True:
        state[_S["report_at"]] = next_k + 1 + ahead
        status, work = run_chunk(world, work)
        state = work.state
        handled, now = int(state[_S["k_src"]]), int(state[_S["now"]])
        while next_k < handled:  # as the source reports after its k-th request
            report(eng.progress, "requests", next_k, n)
            report(eng.progress, "simulated time", now - svc.start_s, span)
            next_k += _REPORT_EVERY
        if state[_S["source_done"]] and not done_reported:
            report(eng.progress, "requests", n, n)
            eng.source_done = done_reported = True
        if status == 0:
            break
    eng.clock.now = int(state[_S["now"]])
    for code in range(1, len(REASONS)):
        rq.reason[requests.reason_code == code] = REASONS[code]
    eng.pending = requests.pending[: state[_S["n_pending"]]].tolist()
    eng.max_stops_skips = int(state[_S["skips"]])
    n_log = int(state[_S["n_log"]])
    eng._ev_arrays = tuple(work.log[:n_log, c].copy() for c in range(5))
    if eng.record_legs:
        eng.legs = [tuple(x) for x in work.legs[: state[_S["n_legs"]]].tolist()]
    for v in np.flatnonzero(n_onboard):
        f.onboard[v] = set(onboard[v, : n_onboard[v]].tolist())
