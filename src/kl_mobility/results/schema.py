"""Columns of the run outputs of one simulation (the contract between the engine and reports).

A run directory written by :func:`kl_mobility.results.io.write_run` holds:

- ``trips.parquet``      one row per request (:data:`TRIPS_COLUMNS`)
- ``vehicles.parquet``   one row per vehicle (:data:`VEHICLES_COLUMNS`)
- ``edges.parquet``      one row per road edge driven at least once (:data:`EDGES_COLUMNS`),
                         plus one ``vkm_total__<vehicle_type>`` column per vehicle type
- ``occupancy.parquet``  one row per time bin (:data:`OCCUPANCY_COLUMNS`)
- ``events.parquet``     the event log (:data:`EVENTS_COLUMNS`; its kinds are the engine's
                         vocabulary, :data:`kl_mobility.sim.events.EVENT_KINDS`)
- ``kpis.json``          the key figures (:data:`KPI_KEYS`)

Every column is described by a :class:`Column` (name, dtype, unit, meaning). Times are integer
seconds since midnight of the simulated day; distances are kilometres unless the name says
``_m`` (metres). Missing times are ``-1`` (never NaN) so integer columns stay integer.

External zones (Ortsbezirke outside the network, attached to a boundary node with a one-way
offset): times, waits, rides and direct times are the rider's, at the zone; the vehicle's
out-and-back drive between the boundary node and the zone is in ``km_total`` (and occupied
km, passenger-km, energy) and separately in ``km_external``. It lies on no road edge, so
``edges.vkm_total`` sums to ``vehicles.km_total - vehicles.km_external``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kl_mobility.service import REASONS

__all__ = [
    "CONNECTION_COLUMNS",
    "EDGES_COLUMNS",
    "EVENTS_COLUMNS",
    "FEEDER_KPI_KEYS",
    "KPI_KEYS",
    "OCCUPANCY_COLUMNS",
    "REASONS",
    "TRIPS_COLUMNS",
    "TRIP_STATUSES",
    "VEHICLES_COLUMNS",
    "Column",
    "column_names",
    "dtypes",
]


@dataclass(frozen=True)
class Column:
    """One documented column: ``dtype`` is the pandas dtype name, ``unit`` may be ``""``."""

    name: str
    dtype: str
    unit: str
    meaning: str


TRIP_STATUSES = ("served", "rejected", "cancelled")
"""Final state of every request (exactly one each)."""

CONNECTION_COLUMNS: tuple[Column, ...] = tuple(Column(*c) for c in (
    ("feeder", "str", "", "'' ordinary request, 'first' ride to a public transport "
     "departure, 'last' ride from an arrival"),
    ("pt_stop_id", "str", "", "GTFS stop_id of the feeder's connection, '' otherwise"),
    ("pt_trip_id", "str", "", "GTFS trip_id of the feeder's connection, '' otherwise"),
    ("pt_time_s", "int64", "s", "first mile: the departure to catch; last mile: the arrival; "
     "-1 for ordinary requests"),
    ("connection_deadline_s", "int64", "s", "first mile: the request's own latest drop-off "
     "(departure - feeder.transfer_buffer_s, at the stop); -1 otherwise (a last-mile ride's "
     "earliest pickup after the arrival is earliest_pickup_s)"),
    ("connection", "str", "", "'made' (served; a first-mile ride set down by its "
     "deadline), 'missed' (a feeder request not served), '' for ordinary requests"),
    ("transfer_wait_s", "int64", "s", "made connections: first mile pt_time_s - "
     "dropoff_time_s, last mile pickup_time_s - pt_time_s; -1 otherwise"),
    ("pt_gained", "bool", "", "the rider would not use public transport without this "
     "feeder ride"),
))
"""The feeder columns of ``trips.parquet`` (:mod:`kl_mobility.pt.feeder`), the last of
:data:`TRIPS_COLUMNS`."""

TRIPS_COLUMNS: tuple[Column, ...] = (
    Column("request_id", "int64", "", "request id from the request table"),
    Column("request_time_s", "int64", "s", "when the request was made"),
    Column("origin_node", "int32", "", "network node of the origin"),
    Column("dest_node", "int32", "", "network node of the destination"),
    Column("origin_lat", "float64", "deg", "origin latitude (WGS84)"),
    Column("origin_lon", "float64", "deg", "origin longitude (WGS84)"),
    Column("dest_lat", "float64", "deg", "destination latitude (WGS84)"),
    Column("dest_lon", "float64", "deg", "destination longitude (WGS84)"),
    Column("passengers", "int16", "persons", "party size"),
    Column("alt_mode", "str", "", "mode the trip would otherwise use (car, walk, bike, bus)"),
    Column("status", "str", "", "final state: served, rejected or cancelled"),
    Column("reason", "str", "", "why not served (see REASONS); empty when served"),
    Column("vehicle_id", "int32", "", "serving vehicle, -1 if none"),
    Column("vehicle_type", "str", "", "type name of the serving vehicle, empty if none"),
    Column("pickup_time_s", "int64", "s", "boarding starts (vehicle there, window open), -1; "
           "external origin: vehicle at the boundary node + origin_offset_s"),
    Column("dropoff_time_s", "int64", "s", "vehicle arrives at the drop-off stop, -1 if not; "
           "external destination: at the boundary node + dest_offset_s"),
    Column("wait_s", "int64", "s", "pickup_time_s - earliest possible pickup; -1 if not served"),
    Column("earliest_pickup_s", "int64", "s", "earliest pickup the rules gave the request (of "
           "the serving type; unserved: of the first type offered it, else the desired "
           "pickup); at the rider's door or, stop-based, at the stop"),
    Column("latest_pickup_s", "int64", "s", "pickup deadline (same type as "
           "earliest_pickup_s): the rule max_wait_s or the request's own latest_pickup_s "
           "(service.request_windows); -1 when no type was offered the request"),
    Column("latest_dropoff_s", "int64", "s", "drop-off deadline (same type): the detour rule "
           "or the request's own latest_dropoff_s; -1 when no type was offered it"),
    Column("ride_s", "int64", "s", "dropoff_time_s - pickup_time_s; -1 if not served"),
    Column("direct_s", "int64", "s", "fastest direct car time origin -> destination node, "
           "plus origin_offset_s and dest_offset_s (door to door)"),
    Column("direct_m", "float64", "m", "length of the fastest direct path, plus the offset "
           "distances of external zones"),
    Column("detour_ratio", "float64", "", "ride_s / direct_s (NaN if not served)"),
    Column("shared", "bool", "", "another party was on board during part of the ride"),
    Column("walk_s", "int64", "s", "access + egress walk (stop-based service), 0 door-to-door"),
    Column("origin_offset_s", "int32", "s", "one-way time between an external origin zone "
           "(Ortsbezirk outside the network) and origin_node; 0 inside the network"),
    Column("dest_offset_s", "int32", "s", "as origin_offset_s for the destination"),
    Column("km_external", "float64", "km", "vehicle-km driven off the network for this trip: "
           "boundary node -> zone -> boundary node at each external end (2 x one-way "
           "offset distance); 0 if not served"),
    *CONNECTION_COLUMNS,
)

FEEDER_KPI_KEYS: tuple[tuple[str, str], ...] = (
    ("feeder_requests", "feeder requests (first + last mile), parties"),
    ("feeder_connections_made", "feeder requests whose connection was made (served)"),
    ("feeder_connections_missed", "feeder requests not served (connection missed)"),
    ("feeder_first_made", "first-mile requests set down by their deadline"),
    ("feeder_first_missed", "first-mile requests not served"),
    ("feeder_last_made", "last-mile requests served"),
    ("feeder_last_missed", "last-mile requests not served"),
    ("feeder_transfer_wait_mean_s", "mean transfer_wait_s of made connections (NaN: none)"),
    ("feeder_transfer_wait_p95_s", "95th percentile of transfer_wait_s of made connections"),
    ("feeder_first_transfer_wait_mean_s", "mean transfer_wait_s of made first-mile "
     "connections: set-down to departure"),
    ("feeder_last_transfer_wait_mean_s", "mean transfer_wait_s of made last-mile "
     "connections: arrival to pickup"),
    ("feeder_riders", "persons served on feeder rides"),
    ("feeder_riders_per_vehicle_hour", "feeder_riders / vehicle hours in service (all "
     "vehicles)"),
    ("feeder_pt_riders_gained", "persons served on feeder rides marked pt_gained"),
)
"""Feeder keys of ``kpis.json`` (:func:`kl_mobility.pt.feeder.feeder_kpis`; part of
:data:`KPI_KEYS`)."""

VEHICLES_COLUMNS: tuple[Column, ...] = (
    Column("vehicle_id", "int32", "", "vehicle id 0..n-1 (fleet types in scenario order)"),
    Column("vehicle_type", "str", "", "type name from the fleet section"),
    Column("kind", "str", "", "van or shuttle"),
    Column("drivetrain", "str", "", "electric or diesel"),
    Column("capacity", "int16", "seats", "passenger capacity"),
    Column("start_node", "int32", "", "network node where the vehicle starts the day: drawn "
           "from the seed's fleet stream (service.initial_positions = random) or a depot"),
    Column("km_total", "float64", "km", "distance driven along actual paths, incl. "
           "km_external"),
    Column("km_occupied", "float64", "km", "distance driven with at least one passenger"),
    Column("km_empty", "float64", "km", "km_total - km_occupied"),
    Column("passenger_km", "float64", "pkm", "sum over driven edges (and external legs) of "
           "length x persons"),
    Column("km_external", "float64", "km", "of km_total, driven off the network: boundary "
           "node -> external zone -> boundary node at each external stop (one-way distance = "
           "the request's *_offset_m, else *_offset_s x the demand's external_speed_kmh)"),
    Column("hours_in_service", "float64", "h", "operating hours the vehicle was available"),
    Column("energy_kwh", "float64", "kWh", "electric energy used (0 for diesel)"),
    Column("fuel_l", "float64", "l", "diesel used (0 for electric)"),
    Column("n_charges", "int32", "", "depot charging stops"),
    Column("n_served", "int32", "", "requests served"),
)

EDGES_COLUMNS: tuple[Column, ...] = (
    Column("edge_id", "int32", "", "edge index of the RoadNetwork (CSR order)"),
    Column("u", "int32", "", "tail node"),
    Column("v", "int32", "", "head node"),
    Column("vkm_total", "float64", "km", "vehicle-km driven on this edge (all vehicles)"),
    Column("vkm_occupied", "float64", "km", "vehicle-km with at least one passenger"),
    Column("passenger_km", "float64", "pkm", "passenger-km on this edge"),
    Column("n_traversals", "int32", "", "times any vehicle drove the edge"),
)
EDGES_TYPE_COLUMN_PREFIX = "vkm_total__"
"""Extra per-type columns of ``edges.parquet``: ``vkm_total__<vehicle_type>`` (float64, km)."""

OCCUPANCY_COLUMNS: tuple[Column, ...] = (
    Column("bin_start_s", "int64", "s", "start of the time bin"),
    Column("bin_end_s", "int64", "s", "end of the time bin (exclusive)"),
    Column("vehicles_in_service", "float64", "", "time-mean vehicles in operating hours"),
    Column("vehicles_busy", "float64", "", "time-mean vehicles with a non-empty schedule"),
    Column("passengers_on_board", "float64", "persons", "time-mean persons on board, fleet"),
)
OCCUPANCY_BIN_S = 900
"""Width of the occupancy time bins (15 minutes)."""

EVENTS_COLUMNS: tuple[Column, ...] = (
    Column("time_s", "int64", "s", "simulated time"),
    Column("kind", "str", "", "one of kl_mobility.sim.events.EVENT_KINDS"),
    Column("vehicle_id", "int32", "", "-1 if none"),
    Column("request_id", "int64", "", "-1 if none"),
    Column("node", "int32", "", "network node, -1 if none"),
)

KPI_KEYS: tuple[tuple[str, str], ...] = (
    ("n_requests", "requests in the table"),
    ("n_served", "requests served"),
    ("n_rejected", "requests rejected"),
    ("n_cancelled", "requests cancelled"),
    ("share_served", "n_served / n_requests"),
    ("wait_mean_s", "mean wait of served requests (s)"),
    ("wait_median_s", "median wait (s)"),
    ("wait_p95_s", "95th percentile wait (s)"),
    ("ride_mean_s", "mean in-vehicle time (s)"),
    ("detour_mean", "mean ride_s / direct_s of served requests"),
    ("shared_share", "share of served requests that shared a ride"),
    ("occupancy", "passenger-km / vehicle-km"),
    ("empty_km_share", "empty km / vehicle-km"),
    ("passengers_per_vehicle_hour", "served persons / vehicle hours in service"),
    ("vehicle_km", "total vehicle-km"),
    ("passenger_km", "total passenger-km"),
    ("vehicle_hours", "total vehicle hours in service"),
    ("energy_kwh", "electric energy used"),
    ("fuel_l", "diesel used"),
    *FEEDER_KPI_KEYS,
)
"""Keys of ``kpis.json`` (values are JSON numbers; NaN written as null)."""


def column_names(columns: tuple[Column, ...]) -> list[str]:
    """Names of ``columns`` in order."""
    return [c.name for c in columns]


def dtypes(columns: tuple[Column, ...]) -> dict[str, str]:
    """``{name: dtype}`` of ``columns`` (``"str"`` means Python ``str`` objects)."""
    return {c.name: c.dtype for c in columns}
