"""External zones (Ortsbezirke outside the network) with every time and km by hand.

Network: ``grid_network(1, 5)``: nodes 0-1-2-3-4 on a line, 200 m apart, 36 km/h, so every
hop takes 20 s. One electric van (0.25 kWh/km) starts at depot node 0 at t = 0; every stop
takes ``stop_dwell_s`` = 10 s. Service defaults: detour factor 1.5, detour constant 300 s.
The zone's one-way distance is ``offset_s x external_speed_kmh / 3.6``; with 36 km/h that is
10 m per second of offset.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from simhelpers import grid

from kl_mobility.demand.config import DemandConfig
from kl_mobility.dispatch import DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate
from kl_mobility.sim.setup import DEFAULT_EXTERNAL_SPEED_KMH

SERVICE = ServiceConfig(start_s=0, end_s=7200, max_wait_s=600, stop_dwell_s=10,
                        board_s_per_passenger=0, depot_nodes=(0,), initial_positions="depot")
VAN = VehicleTypeConfig("van", 1, 4, energy_kwh_per_km=0.25)


def _run(rows, columns, **kw):
    net, oracle = grid(1, 5)
    req = pd.DataFrame(rows, columns=["request_id", "request_time_s", "origin_node",
                                      "dest_node", "passengers", *columns])
    return simulate(SimInputs(net, oracle, req, SERVICE, [VAN], DispatchConfig(), seed=0, **kw))


def test_pickup_in_external_zone_offset_120s():
    """A party of 1 asks at t = 1000 from a zone attached to node 4 (origin_offset_s = 120,
    so 120 s x 10 m/s = 1200 m each way) to node 1.

    Rider's windows (at the zone): earliest 1000, pickup deadline 1000 + 600 = 1600; direct
    time = 120 + tt[4, 1] (3 hops, 60 s) = 180 s, so the drop-off deadline is
    1600 + ceil(1.5 x 180) + 300 = 2170. At the boundary node 4 the kernel sees the pickup
    window [1000 - 120, 1600 - 120] = [880, 1480] and a dwell of 10 + 2 x 120 = 250 s.

    The van leaves 0 at 1000, reaches 4 at 1080 (4 hops) and drives out to the zone:
    pickup at 1080 + 120 = 1200 (wait 200 s); back at node 4 and leaving at 1080 + 250 =
    1330; node 1 at 1330 + 60 = 1390: drop-off (ride 1390 - 1200 = 190 s, detour 190/180).

    km: 0 -> 4 empty 0.8; out to the zone empty 1.2, back with the rider 1.2; 4 -> 1 with
    the rider 0.6. Total 3.8 (edges 1.4 + external 2.4), occupied 1.8, empty 2.0,
    passenger-km 1.2 + 0.6 = 1.8; energy 3.8 x 0.25 = 0.95 kWh. direct_m = 1200 + 600.
    """
    res = _run([(1, 1000, 4, 1, 1, 120, 0)], ["origin_offset_s", "dest_offset_s"],
               external_speed_kmh=36.0)
    t = res.trips.set_index("request_id").loc[1]
    assert t["status"] == "served"
    assert (t["pickup_time_s"], t["dropoff_time_s"]) == (1200, 1390)
    assert (t["wait_s"], t["ride_s"], t["direct_s"]) == (200, 190, 180)
    assert t["detour_ratio"] == pytest.approx(190 / 180)
    assert t["direct_m"] == pytest.approx(1800.0)
    assert (t["origin_offset_s"], t["dest_offset_s"]) == (120, 0)
    assert t["km_external"] == pytest.approx(2.4)
    v = res.vehicles.iloc[0]
    assert v["km_total"] == pytest.approx(3.8)
    assert v["km_external"] == pytest.approx(2.4)
    assert v["km_occupied"] == pytest.approx(1.8)
    assert v["km_empty"] == pytest.approx(2.0)
    assert v["passenger_km"] == pytest.approx(1.8)
    assert v["energy_kwh"] == pytest.approx(0.95)
    assert res.edges["vkm_total"].sum() == pytest.approx(1.4)
    ev = res.events[res.events["kind"].isin(("pickup", "dropoff"))]
    assert ev[["time_s", "node"]].values.tolist() == [[1200, 4], [1390, 1]]
    assert res.kpis["vehicle_km"] == pytest.approx(3.8)


def test_dropoff_in_external_zone_with_given_distance():
    """A party of 2 asks at t = 1000 from node 1 to a zone attached to node 4 with
    dest_offset_s = 60 and an explicit dest_offset_m = 500 (the column wins over the speed).

    The van leaves 0 at 1000, picks up at node 1 at 1020 (wait 20), leaves at 1030, reaches
    node 4 at 1090 and drives out: drop-off at the zone at 1090 + 60 = 1150 (ride 130 s;
    direct 60 + 60 = 120 s). Drop-off deadline at the zone 1600 + ceil(1.5 x 120) + 300 =
    2080, at node 4: 2020.

    km: 0 -> 1 empty 0.2; 1 -> 4 with 2 persons 0.6; out 0.5 with 2 persons, back 0.5
    empty. Total 1.8 (external 1.0), occupied 1.1, passenger-km 2 x (0.6 + 0.5) = 2.2.
    """
    res = _run([(7, 1000, 1, 4, 2, 0, 60, 500.0)],
               ["origin_offset_s", "dest_offset_s", "dest_offset_m"])
    t = res.trips.set_index("request_id").loc[7]
    assert (t["pickup_time_s"], t["dropoff_time_s"]) == (1020, 1150)
    assert (t["wait_s"], t["ride_s"], t["direct_s"]) == (20, 130, 120)
    assert t["km_external"] == pytest.approx(1.0)
    v = res.vehicles.iloc[0]
    assert v["km_total"] == pytest.approx(1.8)
    assert v["km_external"] == pytest.approx(1.0)
    assert v["km_occupied"] == pytest.approx(1.1)
    assert v["passenger_km"] == pytest.approx(2.2)


def test_deadline_counts_the_offset():
    """Pickup deadline 1000 + 600 = 1600 at the zone. With origin_offset_s = 550 the van
    (at node 0, 80 s from node 4) would board the rider at 1000 + 80 + 550 = 1630 > 1600:
    rejected. With 500 it boards at 1580 <= 1600: served (wait 580 s)."""
    late = _run([(1, 1000, 4, 1, 1, 550)], ["origin_offset_s"])
    assert late.trips["reason"].tolist() == ["no_vehicle"]
    ok = _run([(1, 1000, 4, 1, 1, 500)], ["origin_offset_s"])
    assert ok.trips["wait_s"].tolist() == [580]


def test_stop_based_types_do_not_serve_external_zones():
    """A stop-based shuttle has no stop within walking distance of an Ortsbezirk: the
    external request is rejected as no_stop, the internal one (stop 1 -> stop 3) served."""
    net, oracle = grid(1, 5)
    req = pd.DataFrame({"request_id": [1, 2], "request_time_s": [1000, 1000],
                        "origin_node": [1, 1], "dest_node": [3, 3], "passengers": [1, 1],
                        "dest_offset_s": [0, 90]})
    shuttle = VehicleTypeConfig("shuttle", 1, 4, kind="shuttle", stop_based=True)
    res = simulate(SimInputs(net, oracle, req, SERVICE, [shuttle], DispatchConfig(), seed=0, stops={"shuttle": np.array([1, 3])}))
    assert res.trips["reason"].tolist() == ["", "no_stop"]
    assert math.isclose(res.vehicles["km_external"].sum(), 0.0)


def test_default_speed_is_the_demand_models():
    """Without a distance column the simulation uses the demand model's default speed."""
    assert DEFAULT_EXTERNAL_SPEED_KMH == DemandConfig().external_speed_kmh
