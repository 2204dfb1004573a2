"""Who gains: requests and service by district and by hour on hand-made trips."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from kl_mobility.results.districts import (
    OUTSIDE,
    DistrictMap,
    default_districts_path,
    district_map_from_geojson,
    district_table,
    hour_table,
)

# Two Kernstadt areas side by side: "A" = lon 7.70-7.75, "B" = lon 7.75-7.80 (lat 49.40-49.50),
# and one Ortsbezirk "Dorf" (an external zone of the demand model).
DISTRICTS = DistrictMap([("A", box(7.70, 49.40, 7.75, 49.50)),
                         ("B", box(7.75, 49.40, 7.80, 49.50))], ["Dorf"])


def _trips() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Five requests: 0 and 1 from A (served, 1 and 2 persons, waits 4 and 8 min, base
    modes car and bus), 2 from B (rejected), 3 from lon 7.9 (in no area, served, walk),
    4 from Dorf (its point lies in A, but the demand model put it in Dorf; served, car,
    3 persons, wait 10 min). Request times 07:10, 07:50, 08:05, 08:30, 10:00."""
    trips = pd.DataFrame({
        "request_id": [10, 11, 12, 13, 14],
        "request_time_s": [25800, 28200, 29100, 30600, 36000],
        "origin_lat": [49.45] * 5, "origin_lon": [7.72, 7.73, 7.77, 7.90, 7.71],
        "dest_lat": [49.45] * 5, "dest_lon": [7.77, 7.77, 7.72, 7.72, 7.77],
        "passengers": [1, 2, 1, 1, 3], "alt_mode": ["car", "bus", "car", "walk", "car"],
        "status": ["served", "served", "rejected", "served", "served"],
        "wait_s": [240, 480, -1, 300, 600], "ride_s": [600, 900, -1, 300, 1200],
        "direct_m": [4000.0, 5000.0, 4000.0, 2000.0, 6000.0]})
    requests = pd.DataFrame({"request_id": [14, 13, 12, 11, 10],
                             "origin_zone": ["Dorf", "core", "core", "core", "core"],
                             "dest_zone": ["core"] * 5})
    return trips, requests


def test_district_table_by_hand_and_sums_to_the_city_totals():
    """A: 2 requests, both served, 3 persons, mean wait (4 + 8) / 2 = 6 min; from car 1,
    from bus 2; car person-km 1 x 4 km = 4. B: 1 request, rejected, share 0. Dorf: 1
    request (zone wins over the point in A), 3 persons from car, 18 pkm. Outside: 1 from
    walk. Sums: 5 requests, 4 served, 8 persons (1 + 2 + 1 + 1 + 3)."""
    trips, requests = _trips()
    t = district_table(trips, DISTRICTS, requests=requests).set_index("district")
    assert list(t.index) == ["A", "B", "Dorf", OUTSIDE]
    assert t.loc["A", "requests"] == 2 and t.loc["A", "served_persons"] == 3
    assert t.loc["A", "wait_mean_min"] == pytest.approx(6.0)
    assert t.loc["A", "from_car"] == 1 and t.loc["A", "from_bus"] == 2
    assert t.loc["A", "car_pkm_replaced"] == pytest.approx(4.0)
    assert t.loc["B", "served_share"] == 0.0 and math.isnan(t.loc["B", "wait_mean_min"])
    assert t.loc["Dorf", "kind"] == "Ortsbezirk" and t.loc["Dorf", "from_car"] == 3
    assert t.loc["Dorf", "car_pkm_replaced"] == pytest.approx(18.0)
    assert t.loc[OUTSIDE, "from_walk"] == 1
    for col, total in (("requests", 5), ("served", 4), ("rejected", 1), ("persons", 8),
                       ("served_persons", 7), ("from_car", 4)):
        assert t[col].sum() == total, col
    dest = district_table(trips, DISTRICTS, requests=requests, by="dest").set_index("district")
    assert dest.loc["B", "requests"] == 3 and dest.loc["A", "requests"] == 2
    assert dest["served"].sum() == 4


def test_hour_table_counts_every_hour_between_first_and_last_request():
    """Hours 7 (07:10, 07:50), 8 (08:05, 08:30), 9 (none) and 10 (10:00)."""
    trips, _ = _trips()
    h = hour_table(trips).set_index("hour")
    assert list(h.index) == [7, 8, 9, 10]
    assert list(h["requests"]) == [2, 2, 0, 1]
    assert h.loc[8, "served"] == 1 and h.loc[8, "served_share"] == 0.5
    assert math.isnan(h.loc[9, "served_share"])
    assert h["served_persons"].sum() == 7


def test_shared_plz_polygons_locate_hbf_and_rptu():
    """The PLZ file has five postcodes; Hbf (49.43598, 7.76893) and RPTU (49.42549,
    7.75580, FACTS.md section 2) lie in Kernstadt areas; a point at 0 N 0 E lies in none."""
    path = default_districts_path()
    if not path.is_file():
        pytest.skip("no shared PLZ polygons")
    dm = district_map_from_geojson(path, ["Hohenecken"])
    assert len(dm.areas) == len({f["properties"]["plz_code"] for f in
                                 json.loads(path.read_text())["features"]}) == 5
    got = dm.locate(np.array([49.43598, 49.42549, 0.0]), np.array([7.76893, 7.75580, 0.0]))
    assert got[0].startswith("Kernstadt 6765") and got[1].startswith("Kernstadt 676")
    assert got[2] == OUTSIDE


def test_unreadable_district_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "plz.geojson"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="plz.geojson"):
        district_map_from_geojson(bad, [])


def test_batch_tables_stack_runs_and_average_over_seeds(tmp_path):
    """Two seeds of scenario s: district A with 2 and 4 requests -> mean 3 over 2 seeds;
    hour 9 only in seed 1 (4 requests) -> mean 4 over 1 seed (absent, not zero)."""
    from kl_mobility.results.districts import collect_who_gains, mean_over_seeds

    for seed, n, hours in ((0, 2, [8]), (1, 4, [8, 9])):
        d = tmp_path / "s" / str(seed)
        d.mkdir(parents=True)
        (d / "run.json").write_text(json.dumps({"scenario": "s", "seed": seed}))
        pd.DataFrame({"district": ["A"], "kind": ["Kernstadt PLZ area"],
                      "requests": [n]}).to_csv(d / "districts.csv", index=False)
        pd.DataFrame({"hour": hours, "requests": [n] * len(hours)}).to_csv(
            d / "hours.csv", index=False)
    stacked = collect_who_gains(tmp_path, "districts")
    assert list(stacked.columns[:2]) == ["scenario", "seed"] and len(stacked) == 2
    mean = mean_over_seeds(stacked)
    assert mean.loc[0, "requests"] == 3.0 and mean.loc[0, "n_seeds"] == 2
    h = mean_over_seeds(collect_who_gains(tmp_path, "hours")).set_index("hour")
    assert h.loc[8, "requests"] == 3.0 and h.loc[9, "requests"] == 4.0
    assert h.loc[9, "n_seeds"] == 1


def _pt_los(has_stop=(True, True, False)):
    """Three zones, car 6 min between them; timetable periods 0-7 h, 7-10 h, 10-24 h. In
    7-10 h (the period of 08:00) the router finds journeys 0 <-> 1 with a door-to-door
    time of 17 min, none from or to zone 2 (it has no stop); 0 -> 0 and 1 -> 1 are not
    available. The approximation: access 5 + wait 7.5 + ivt factor x 6 min."""
    from kl_mobility.demand.modechoice import ZoneLos
    from kl_mobility.pt.zonetimes import COMPONENTS, ZonePtLos

    k = 3
    vals = {c: np.full((3, k, k), np.nan) for c in COMPONENTS}
    vals["door"][1, 0, 1] = vals["door"][1, 1, 0] = 17.0
    avail = np.zeros((3, k, k), bool)
    avail[1, 0, 1] = avail[1, 1, 0] = True
    pt = ZonePtLos(vals, avail, avail.astype(float), np.array(has_stop),
                   (0, 25_200, 36_000, 172_800), np.array([1, 1, 1]))
    return ZoneLos(np.full((k, k), 6.0), np.full((k, k), 2000.0), np.ones((k, k), bool),
                   ~np.eye(k, dtype=bool), np.full((k, k), 5.0), np.full((k, k), 7.5), pt=pt)


def test_bus_accessibility_is_the_mode_choice_bus():
    """The bus time of the accessibility at 08:00 (period 7-10 h): the router's 17 min
    where it finds journeys (0 <-> 1); no bus between stops without journeys (0 -> 0,
    1 -> 1); the approximation 5 + 7.5 + f x 6 for pairs with zone 2 (no stop), since
    7-10 h lies within the bus hours. Finite exactly where the mode choice offers the bus
    in that slot; without the timetable the approximation within the bus hours and none
    at 03:00."""
    from kl_mobility.demand.config import DemandConfig
    from kl_mobility.demand.modechoice import _bus_slots, bus_slot
    from kl_mobility.results.districts import ACCESS_DEPART_S, bus_door_min

    cfg = DemandConfig()
    los = _pt_los()
    t = bus_door_min(los, cfg)
    approx = 5.0 + 7.5 + cfg.bus_ivt_factor * 6.0
    assert t[0, 1] == t[1, 0] == 17.0
    assert np.isinf(t[0, 0]) and np.isinf(t[1, 1])
    assert t[0, 2] == t[2, 0] == t[2, 2] == approx
    slot = int(bus_slot(los, cfg, np.array([ACCESS_DEPART_S]))[0])
    _, ok = _bus_slots(los, cfg, np.zeros((3, 3)), 0.0)
    assert (np.isfinite(t) == ok[slot]).all()
    plain = dataclasses.replace(los, pt=None)
    assert (bus_door_min(plain, cfg) == approx).all()
    assert np.isinf(bus_door_min(plain, cfg, depart_s=3 * 3600)).all()


def test_zone_majority_is_the_mode_of_each_zones_points_ties_smallest():
    """Zone 0: b, a, b -> b; zone 1: a, c (a tie) -> a (the smaller, as Series.mode);
    zone 2 has no points -> outside; and random cases against pandas' mode."""
    from kl_mobility.results.districts import OUTSIDE, _zone_majority

    pz = np.array([0, 0, 0, 1, 1])
    labels = np.array(["b", "a", "b", "c", "a"], object)
    assert list(_zone_majority(pz, labels, 3)) == ["b", "a", OUTSIDE]
    rng = np.random.default_rng(7)
    names = np.array(["67655", "Erfenbach", "a", OUTSIDE], object)
    for _ in range(50):
        n_zones = int(rng.integers(1, 12))
        pz = np.sort(rng.integers(0, n_zones, 40))
        labels = names[rng.integers(0, len(names), 40)]
        mode = pd.Series(labels).groupby(pz).agg(lambda d: d.mode().iloc[0])
        expected = mode.reindex(range(n_zones)).fillna(OUTSIDE)
        assert list(_zone_majority(pz, labels, n_zones)) == list(expected)
