"""Where and when the on-demand service can take a trip: per vehicle type hours and stops.

A :class:`ServiceArea` tells the mode choice which trips the simulated service can actually
take, so that on-demand requests are not generated where no vehicle type would serve them:

- every entry is one active vehicle type (``count > 0``) with its operating hours
  ``[start_s, end_s)`` (seconds since midnight; windows may pass midnight as in
  :class:`~kl_mobility.demand.modechoice.ServiceLevel`, the rule of
  :func:`kl_mobility.service.in_daily_window`) and either its stops (``stops_xy``,
  local metres of the network, the frame of ``network.node_x``/``node_y``) or ``None``;
- a trip is *available* to a type with stops when both of its ends lie within
  ``max_walk_m`` of a stop, measured as the simulation does
  (:func:`kl_mobility.sim.travel.nearest_stop`): straight-line metres between the trip end's
  network node and the nearest stop x ``walk_detour_factor``, and the two nearest stops
  differ; its access time is the walk to and from the stops at ``walk_speed_kmh``
  (seconds rounded up per end, as the simulation adds them to the pickup window);
- a type without stops (door to door, or stop-based with virtual stops everywhere) takes
  every trip in its hours; its access time is the service level's ``access_walk_s``
  (reported as NaN here);
- the on-demand alternative of a trip is available when some type takes it at its departure
  time; its access time is the least over those types.

The runner builds the area from the scenario's fleet and service section
(``kl_mobility.rounds.service_area``); :func:`~kl_mobility.demand.generate_demand` takes it as
``service_area=``. Without an area, the alternative is available everywhere in the service
level's hours (the behaviour for door-to-door fleets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from kl_mobility.service import in_daily_window as in_window

__all__ = ["Nearest", "ServiceArea", "take_nearest"]


@dataclass(frozen=True, eq=False)
class ServiceArea:
    """Hours and stops of each active vehicle type (see the module docstring).

    ``start_s``, ``end_s``: one entry per type; ``stops_xy``: per type a float array
    ``[n_stops, 2]`` of stop positions in local metres or ``None`` (no stop restriction);
    ``max_walk_m``, ``walk_detour_factor``, ``walk_speed_kmh``: the service's walking rules
    (``ServiceConfig`` of the scenario).
    """

    start_s: tuple[int, ...]
    end_s: tuple[int, ...]
    stops_xy: tuple[np.ndarray | None, ...]
    max_walk_m: float = 600.0
    walk_detour_factor: float = 1.3
    walk_speed_kmh: float = 4.5

    def __post_init__(self) -> None:
        n = len(self.start_s)
        if len(self.end_s) != n or len(self.stops_xy) != n:
            raise ValueError("start_s, end_s and stops_xy must have one entry per vehicle type")
        for a, b in zip(self.start_s, self.end_s, strict=True):
            if not 0 <= a <= b <= 2 * 86_400:
                raise ValueError(f"start_s must be in [0, end_s <= 172800], got {a!r}, {b!r}")
        for s in self.stops_xy:
            if s is not None and (np.ndim(s) != 2 or np.shape(s)[1] != 2 or len(s) < 1):
                raise ValueError("stops_xy entries must be arrays of shape [n_stops >= 1, 2]")
        if self.max_walk_m < 0:
            raise ValueError(f"max_walk_m must be >= 0, got {self.max_walk_m!r}")
        if self.walk_detour_factor < 1.0:
            raise ValueError(
                f"walk_detour_factor must be >= 1, got {self.walk_detour_factor!r}")
        if self.walk_speed_kmh <= 0:
            raise ValueError(f"walk_speed_kmh must be > 0, got {self.walk_speed_kmh!r}")

    @property
    def n_types(self) -> int:
        return len(self.start_s)

    def stop_access(self, stops_xy: np.ndarray, ox: np.ndarray, oy: np.ndarray,
                    dx: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(reachable, walk_s)`` of trips from ``(ox, oy)`` to ``(dx, dy)`` (local metres)
        with stops at ``stops_xy``: both ends within ``max_walk_m`` of distinct stops; walk
        seconds to and from them (float64, rounded up per end)."""
        tree = _stop_tree(stops_xy)
        return self._reach(tree.query(np.column_stack([ox, oy])),
                           tree.query(np.column_stack([dx, dy])))

    def _reach(self, near_o: tuple[np.ndarray, np.ndarray],
               near_d: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`stop_access` from the nearest stops ``(distance_m, stop)`` of both ends."""
        (d_o, i_o), (d_d, i_d) = near_o, near_d
        speed = self.walk_speed_kmh / 3.6
        w_o = d_o * self.walk_detour_factor
        w_d = d_d * self.walk_detour_factor
        ok = (w_o <= self.max_walk_m) & (w_d <= self.max_walk_m) & (i_o != i_d)
        walk = np.ceil(w_o / speed) + np.ceil(w_d / speed)
        return ok, walk.astype(np.float64)

    def nearest_stops(self, x: np.ndarray, y: np.ndarray) -> Nearest:
        """Per type, the straight-line distance (metres) and index of the nearest of its
        stops to each point ``(x, y)`` (local metres); ``None`` for a type without stops.
        Points taken from it (:func:`take_nearest`) give :meth:`access_from` the answer
        :meth:`access` gives for those points: a point's nearest stop does not depend on
        the other points queried."""
        xy = np.column_stack([x, y])
        return tuple(None if stops is None else _stop_tree(stops).query(xy)
                     for stops in self.stops_xy)

    def access(self, depart_s: np.ndarray, ox: np.ndarray, oy: np.ndarray, dx: np.ndarray,
               dy: np.ndarray, external: np.ndarray | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
        """``(available, walk_s)`` per trip: whether some type takes the trip at
        ``depart_s``, and the least walk among the types with stops that take it. ``walk_s``
        is NaN where a type without stops takes the trip (its access time is the service
        level's ``access_walk_s``) and where no type takes it. ``external`` marks trips with
        an end in an outer district (outside the network): types with stops never take
        them, as in the simulation (their boundary node may lie near a stop, the district
        does not)."""
        return self.access_from(depart_s, self.nearest_stops(ox, oy),
                                self.nearest_stops(dx, dy), external)

    def access_from(self, depart_s: np.ndarray, near_o: Nearest, near_d: Nearest,
                    external: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`access` of trips whose ends' nearest stops are ``near_o`` and ``near_d``
        (:meth:`nearest_stops` of the origins and destinations, one row per trip)."""
        depart_s = np.asarray(depart_s, np.int64)
        n = depart_s.shape[0]
        available = np.zeros(n, bool)
        walk = np.full(n, np.inf)
        anywhere = np.zeros(n, bool)
        for a, b, stops, no, nd in zip(self.start_s, self.end_s, self.stops_xy, near_o,
                                       near_d, strict=True):
            hours = in_window(depart_s, int(a), int(b))
            if stops is None:
                anywhere |= hours
                available |= hours
                continue
            assert no is not None and nd is not None
            ok, w = self._reach(no, nd)
            ok &= hours
            if external is not None:
                ok &= ~np.asarray(external, bool)
            available |= ok
            walk = np.where(ok, np.minimum(walk, w), walk)
        walk = np.where(anywhere | ~available, np.nan, walk)
        return available, walk


Nearest = tuple[tuple[np.ndarray, np.ndarray] | None, ...]
"""Per vehicle type of a :class:`ServiceArea`: ``(distance_m, stop index)`` of the nearest
stop per point, or ``None`` (a type without stops)."""


def take_nearest(near: Nearest, rows: np.ndarray, other: Nearest | None = None,
                 other_rows: np.ndarray | None = None,
                 use_other: np.ndarray | None = None) -> Nearest:
    """The rows ``rows`` of ``near`` (:meth:`ServiceArea.nearest_stops`); with ``other``,
    row ``other_rows[k]`` of ``other`` where ``use_other[k]``."""
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    for t, a in enumerate(near):
        if a is None:
            out.append(None)
            continue
        d, i = a[0][rows], a[1][rows]
        if other is not None:
            b = other[t]
            assert b is not None and other_rows is not None and use_other is not None
            d = np.where(use_other, b[0][other_rows], d)
            i = np.where(use_other, b[1][other_rows], i)
        out.append((d, i))
    return tuple(out)


def _stop_tree(stops_xy: np.ndarray) -> cKDTree:
    """The k-d tree of a type's distinct stop positions."""
    return cKDTree(np.unique(np.asarray(stops_xy, np.float64), axis=0))
