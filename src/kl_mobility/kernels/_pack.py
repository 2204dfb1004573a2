"""How kernels take their arguments: a few packs of flat arrays, one per concept.

A kernel does not take 20-40 positional arrays. It takes a small number of *packs*:
``typing.NamedTuple`` classes whose fields are numpy arrays or scalars, grouped by what
they describe. numba passes a named tuple into an ``@njit`` function as a typed tuple, so
``fleet.capacity[v]`` inside a kernel compiles to the same load as a positional
``capacity[v]``; nothing is copied. The convention, for every kernel in this package:

1. **One pack per concept.** The packs below are shared by the dispatch kernels
   (:mod:`~kl_mobility.kernels.insertion`, :mod:`~kl_mobility.kernels.movement`); a kernel
   family with concepts of its own defines its packs the same way in its module (the
   static solver's would be ``Instance``: the problem arrays that
   :func:`kl_mobility.routing.arrays.kernel_arrays` returns, ``Scratch``: its work arrays).
   Fields are documented where the pack is defined, with units and shapes, once.
2. **Array fields are indexed the same way across a pack** (by vehicle id, by stop row,
   by request). Scalars and arrays do not share a pack type unless documented (``Request``
   holds scalars for one request, arrays of length ``R`` for a batch; :func:`row` turns
   entry ``r`` of a batch into the pack of one, generically over the fields).
3. **Kernels read fields by name** (``sch.node[v]``, ``req.late_pick``); a long kernel may
   bind the fields it uses to local names once at its top. Never unpack a pack positionally
   (``a, b, c = pack``): that is what would break when a field is added.
4. **Adding a field is a one-line change**: append it *at the end* of the class, with a
   default when a neutral value exists (``wait_weight: Any = 0``), so every place that
   builds the pack keeps working; then read ``pack.new_field`` in the kernel that needs it.
   A field whose type changes (array vs scalar, int32 vs int64) is a new compiled
   specialisation, exactly as a positional argument would be.
5. **Public wrappers build and check packs; private kernels assume checked packs**
   (``best_insertion`` checks shapes, ``_best_insertion`` computes). Mutable state
   (cursors, accumulators) is a pack of arrays updated in place by the kernel.
6. Packs are plain data: no methods that compute inside kernels, no Python objects as
   fields. A constructor helper (``Cursor.new``) lives on the class, outside numba.
7. **At the boundary from Python into numba packs travel as plain tuples**: the wrapper
   calls the entry kernel with ``tuple(pack)`` and the entry kernel names them again in
   its first line (``fleet = Fleet(*fleet)``; free inside numba). numba types a plain
   tuple of arrays through its fast fingerprint path, a named tuple through a slower
   Python path (several microseconds per call with ~30 fields: about a tenth of a
   simulated day's CPU time when kernels are called per request and per drive, measured
   with the benchmark below before this rule). Kernels called only from other kernels take
   the named packs directly.

The static solver's entry kernels follow the same rules (``lns_chunk`` takes
``LnsPlan``, ``LnsTables``, ``LnsStep`` and ``Instance``; ``ges_chunk`` takes ``GesPlan``,
``GesStep`` and ``Instance``; ``benchmarks/bench_routing_packing.py`` shows parity).

Where packing is not used, and why (measured): the solver's inner route helpers in
:mod:`~kl_mobility.kernels.routing_insertion` (``scan_insertion``, ``ride_duration_ok``
and the others called from the entry kernels) keep one argument per array. They are small
and called in the innermost loop of the searches, and passing an ``Instance`` pack of 13
fields into them was slower: the route
insertion scan, called inside numba for every request into every route of a plan
(lc101: 530 cases, a3-24: 192 cases, 2,000 times each, least CPU time of 3 rounds), took
0.94-1.13 x the positional time packed, and 1.14-1.31 x through positional forms that
pack and call the packed scan (numba ``inline="always"`` did not remove it). A kernel
family that converts must show the same parity as the dispatch kernels do in the
benchmark below, on its own hot path, before it lands.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from numba.extending import overload

__all__ = ["Accounts", "Edges", "Fleet", "Move", "Request", "Rules", "Schedules", "Tables",
           "row"]


class Tables(NamedTuple):
    """The travel-time oracle of one vehicle type over the road network's ``n`` nodes."""

    tt: Any
    """int[n, n]: fastest travel time in seconds from row node to column node."""
    ttT: Any = None  # noqa: N815  (the transpose, named as in the oracle)
    """int[n, n]: C-contiguous transpose of ``tt`` (rows = travel times *to* a node);
    public wrappers put the transposed view ``tt.T`` where it is None."""
    nxt: Any = None
    """int[n, n]: next node on the fastest path from row node to column node (read only by
    kernels that walk paths)."""
    nxtT: Any = None  # noqa: N815  (the transpose, like ttT)
    """int[n, n] or None: C-contiguous transpose of ``nxt`` (``nxtT[target, node]``: a walk
    toward one target reads one row, which stays in cache along the path); None: kernels
    that walk paths read ``nxt`` (same answers, more scattered reads)."""


class Fleet(NamedTuple):
    """Vehicles, indexed by vehicle id ``v``.

    For the fused search and start states (``best_insertion_at``, ``start_states``)
    ``node``/``time`` are where the vehicle was last (``pos_node``/``pos_time``) and
    ``target`` the node it drives to (-1: parked); the kernel derives the start states. For
    ``best_insertion`` and the cost matrix they *are* the start states (the node reached
    next and the time it is free there); ``target`` and ``available`` are not read there.
    """

    node: Any
    """int[V]: node (see above)."""
    time: Any
    """int[V]: seconds of the day at ``node``."""
    load: Any
    """int[V]: persons on board at the start state."""
    capacity: Any
    """int[V]: seats."""
    target: Any = None
    """int[V]: node the vehicle is heading to, -1 when parked."""
    available: Any = None
    """bool[V]: may take new requests (charging vehicles may not); wrappers read None as
    all available."""


class Schedules(NamedTuple):
    """The remaining planned stops, row ``v`` for vehicle ``v``, ``length[v]`` stops used.

    Stop arrays are ``[V, max_stops]``. Driving a sequence: arrive ``a = t + tt[node,
    stop]``; infeasible when ``a > late``; service starts at ``max(a, early)``; load
    changes by ``delta``; the vehicle leaves ``dwell`` seconds later.
    """

    length: Any
    """int[V]: number of planned stops."""
    node: Any
    """int[V, S]: network node of the stop."""
    early: Any
    """int[V, S]: earliest service start (pre-booked pickup window; 0 for drop-offs)."""
    late: Any
    """int[V, S]: latest arrival (pickup or drop-off deadline)."""
    delta: Any
    """int[V, S]: change of persons on board (+party at a pickup, -party at a drop-off)."""
    dwell: Any
    """int[V, S]: seconds standing at the stop (boarding or alighting)."""


class Request(NamedTuple):
    """A request to insert: int64 scalars for one request, int64 arrays ``[R]`` for a batch
    (the cost matrix). Times are seconds of the day, already shifted for external zones."""

    origin: Any
    """pickup node."""
    dest: Any
    """drop-off node."""
    early: Any
    """earliest pickup."""
    late_pick: Any
    """pickup deadline (latest arrival at ``o``)."""
    late_drop: Any
    """drop-off deadline (latest arrival at ``d``)."""
    passengers: Any
    """persons in the party."""
    dwell_pick: Any
    """seconds standing at the pickup."""
    dwell_drop: Any
    """seconds standing at the drop-off."""


class Rules(NamedTuple):
    """How the insertion search chooses, the same for every request of a call."""

    cost_kind: int = 0
    """``COST_ADDED_TIME`` (0), ``COST_WAIT`` (1), ``COST_ADDED_TIME_PLUS_WAIT`` (2) or
    ``COST_RIDER_TIME`` (3)."""
    max_len: int | None = None
    """vehicles with more planned stops than this are skipped (fused search only); None:
    room for two more stops (``max_stops - 2``)."""
    prune: bool = True
    """skip vehicles that cannot reach the pickup in time (exact; ``best_insertion``)."""
    w_vehicle: float = 2.875
    """``COST_RIDER_TIME`` (3): weight of one added vehicle second (the defaults and their
    rationale: :class:`kl_mobility.dispatch.config.DispatchConfig`)."""
    w_wait: float = 1.6
    """``COST_RIDER_TIME``: weight of one added person-second of waiting (>= ``w_ride``)."""
    w_ride: float = 1.0
    """``COST_RIDER_TIME``: weight of one added person-second in the vehicle."""


class Edges(NamedTuple):
    """The road graph's edges in CSR form, for hop-by-hop driving."""

    indptr: Any
    """int[n + 1]: edges leaving node ``u`` are ``indptr[u]:indptr[u + 1]``."""
    head: Any
    """int[m]: head node of each edge."""
    length_m: Any
    """float[m]: edge length in metres."""


class Move(NamedTuple):
    """One vehicle's drive (int scalars): from ``node``, left at ``time``, toward ``target``,
    until it gets there or reaches the first node at or after ``until``."""

    node: Any
    time: Any
    target: Any
    until: Any
    load: Any
    """persons on board while driving."""
    type_idx: Any
    """vehicle type (row of ``Accounts.vkm_type``)."""


class Accounts(NamedTuple):
    """Per-edge accumulators updated in place by driving (metres, float64; counts int64)."""

    vkm: Any
    """float[m]: metres driven (vehicle distance)."""
    vkm_occ: Any
    """float[m]: metres driven with persons on board."""
    pkm: Any
    """float[m]: passenger-metres (metres x persons on board)."""
    count: Any
    """int64[m]: traversals."""
    vkm_type: Any
    """float[types, m]: metres driven by vehicle type."""


def row(pack, r):
    """Entry ``r`` of every field of a batch pack, as a pack of the same class.

    Turns a batch ``Request`` (arrays ``[R]``) into the ``Request`` of request ``r``
    (scalars) inside a kernel; generic over the fields, so a new field needs no change here.
    """
    return type(pack)._make(a[r] for a in pack)


@overload(row)
def _row_impl(pack, r):
    # numba: build ``Cls(pack[0][r], pack[1][r], ...)`` for this pack class's fields
    cls = pack.instance_class
    args = ", ".join(f"pack[{k}][r]" for k in range(len(pack)))
    ns: dict[str, Any] = {"cls": cls}
    exec(f"def impl(pack, r):\n    return cls({args})\n", ns)  # noqa: S102
    return ns["impl"]
