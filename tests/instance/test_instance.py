"""The instance folder: a simulated day written and read back simulates identically; a
hand-made instance with fractional times is rounded exactly as reported; bad folders are
one clear error; every rule the folder does not give is listed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sim"))
from simhelpers import grid, random_requests  # noqa: E402

from kl_mobility.dispatch import DispatchConfig  # noqa: E402
from kl_mobility.instance import (  # noqa: E402
    InstanceError,
    instance_of_day,
    read_instance,
    write_instance,
)
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate  # noqa: E402


def _day(policy: str):
    """A 4 x 4 grid day: 40 requests (a fifth pre-booked, a third with outer-district
    ends), a van type all day and a night type with its own hours and pickup deadline."""
    net, oracle = grid(4, 4)
    rng = np.random.default_rng(11)
    req = random_requests(rng, 40, net.n_nodes, 8 * 3600, 9 * 3600, prebooked_share=0.2)
    req["origin_offset_s"] = np.where(rng.random(40) < 0.3, rng.integers(1, 200, 40),
                                      0).astype(np.int32)
    req["dest_offset_s"] = np.zeros(40, np.int32)
    service = ServiceConfig(start_s=7 * 3600, end_s=11 * 3600, unserved="keep")
    fleet = [VehicleTypeConfig("van", 3, 4),
             VehicleTypeConfig("late", 2, 2, start_s=8 * 3600 + 1800, max_wait_s=900,
                               drivetrain="diesel")]
    dispatch = DispatchConfig(policy=policy)
    res = simulate(SimInputs(net, oracle, req, service, fleet, dispatch, seed=5))
    return net, oracle, req, service, fleet, dispatch, res


@pytest.mark.parametrize("policy", ["insertion", "batch"])
def test_round_trip_export_load_simulate_is_identical(policy, tmp_path):
    net, oracle, req, service, fleet, dispatch, res = _day(policy)
    inst = instance_of_day("grid-day", net, req, fleet,
                           res.vehicles["start_node"].to_numpy(), service)
    write_instance(tmp_path / "inst", inst)
    assert {p.name for p in (tmp_path / "inst").iterdir()} >= {
        "instance.toml", "nodes.csv", "edges.csv", "requests.csv", "fleet.csv"}
    back, oracle2 = read_instance(tmp_path / "inst")
    assert back.rounding == ()  # whole seconds: nothing rounded
    assert back.not_given == ()  # every rule and type key written
    assert np.array_equal(np.asarray(oracle2.tt), np.asarray(oracle.tt))
    again = simulate(back.sim_inputs(oracle2, dispatch, seed=5))
    assert res.kpis["n_served"] > 10
    for name in ("trips", "events", "vehicles"):
        pd.testing.assert_frame_equal(getattr(res, name), getattr(again, name),
                                      check_exact=True)
    assert np.array_equal(back.vehicle_ids, np.arange(5))


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


FRACTIONAL = {
    "instance.toml": 'format = "kl-mobility-instance/1"\nname = "frac"\n[rules]\n'
                     'start_s = 0\nend_s = 1000\nstop_dwell_s = 0\n'
                     'board_s_per_passenger = 0\nunserved = "reject"\n',
    # a path 0 - 1 - 2 (x in metres)
    "nodes.csv": "node_id,x_m,y_m\n0,0,0\n1,100,0\n2,200,0\n",
    "edges.csv": "tail,head,travel_time_s,length_m\n0,1,10.4,100\n1,2,10.5,100\n"
                 "1,0,10.4,100\n2,1,0.3,100\n",
    "requests.csv": "request_id,request_time_s,origin_node,dest_node,passengers,"
                    "earliest_pickup_s,latest_pickup_s,latest_dropoff_s\n"
                    "1,100,0,2,1,,,120.95\n"
                    "2,40,2,0,1,50.5,80.7,200\n",
    "fleet.csv": "vehicle_id,start_node,capacity,type\n7,0,2,van\n",
}


def test_fractional_times_are_rounded_and_reported_exactly(tmp_path):
    """Edges 10.4 -> 10, 10.5 -> 11 (halves up), 10.4 -> 10, 0.3 -> 1 (at least 1 s):
    3 rounded, 1 raised, largest change |1 - 0.3| = 0.7 s. Pairs (exact -> rounded,
    |change|): 0->1 10.4->10 (0.4), 1->2 10.5->11 (0.5), 0->2 20.9->21 (0.1), 1->0
    10.4->10 (0.4), 2->1 0.3->1 (0.7), 2->0 10.7->11 (0.3): 6 of 6 changed, mean
    2.4 / 6 = 0.4 s, largest 0.7 s on 2 -> 1. Request 1: direct 20.9 s, from 100 s it
    arrives at 120.9 <= 120.95 (feasible); rounded: latest drop-off floor(120.95) = 120
    and 100 + 21 = 121 > 120: infeasible after rounding. Request 2: earliest 50.5 up to
    51 (0.5), latest pickup 80.7 down to 80 (0.7); direct 2 -> 0 = 11 s, 51 + 11 <= 200:
    feasible either way."""
    inst, oracle = read_instance(_write(tmp_path / "f", FRACTIONAL))
    assert inst.rounding == (
        "edges.csv: 3 of 4 edge travel times rounded to whole seconds (nearest, halves up; "
        "largest change 0.700 s)",
        "edges.csv: 1 edge travel times below 0.5 s raised to 1 s",
        "requests.csv: 1 value(s) of earliest_pickup_s rounded up to whole seconds (largest "
        "change 0.500 s)",
        "requests.csv: 1 value(s) of latest_pickup_s rounded down to whole seconds (largest "
        "change 0.700 s)",
        "requests.csv: 1 value(s) of latest_dropoff_s rounded down to whole seconds "
        "(largest change 0.950 s)",
        "edges.csv: fastest times of 6 of 6 node pairs changed by rounding: mean |change| "
        "0.400 s, largest 0.700 s (pair 2 -> 1)",
        "requests.csv: 1 request(s) whose direct trip was feasible with the given times "
        "are not after rounding: 1",
    )
    assert inst.infeasible_after_rounding == (1,) and inst.feasible_after_rounding == ()
    assert np.asarray(oracle.tt).tolist() == [[0, 10, 21], [10, 0, 11], [11, 1, 0]]
    assert inst.requests["latest_dropoff_s"].tolist() == [120, 200]
    assert inst.requests["earliest_pickup_s"].tolist()[1] == 51
    # the rules the folder does not give, each with its value
    assert "rules.max_wait_s not given: 600 (kl-mobility default)" in inst.not_given
    assert "rules.request_windows not given: 'replace' (instance default)" in inst.not_given
    assert any(s.startswith("types.van not given: drivetrain 'diesel'") for s in inst.not_given)
    assert not any("rules.stop_dwell_s" in s for s in inst.not_given)
    # simulated: request 1 cannot be served in time, request 2 is (vehicle 7 of the folder)
    res = simulate(inst.sim_inputs(oracle, DispatchConfig(), seed=1))
    trips = res.trips.set_index("request_id")
    assert trips.loc[1, "status"] == "rejected" and trips.loc[2, "status"] == "served"
    # request 2: own pickup deadline 80 replaces the rule (51 + 600); drop-off deadline 200
    assert trips.loc[2, "latest_pickup_s"] == 80 and trips.loc[2, "latest_dropoff_s"] == 200
    assert inst.vehicle_ids.tolist() == [7]
    assert res.vehicles["start_node"].tolist() == [0]


@pytest.mark.parametrize(("file", "text", "message"), [
    ("edges.csv", "tail,head,travel_time_s,length_m\n0,1,ten,100\n",
     "edges.csv: row 1: travel_time_s 'ten' is not a finite number"),
    ("edges.csv", "tail,head,travel_time_s,length_m\n0,5,10,100\n",
     "edges.csv: row 1: head 5 is not a node id 0..2"),
    ("instance.toml", 'format = "kl-mobility-instance/1"\n[rules]\nmax_wiat_s = 3\n',
     "key 'rules.max_wiat_s': unknown key; valid keys here are: start_s"),
    ("instance.toml", 'format = "kl-mobility-instance/1"\n[rules]\nmax_wait_s = -3\n',
     "key 'rules.max_wait_s': max_wait_s must be > 0"),
    ("requests.csv", "request_id,request_time_s,origin_node,dest_node,passengers,colour\n",
     "requests.csv: unknown column(s) colour"),
    ("requests.csv", "request_id,request_time_s,origin_node,dest_node,passengers\n1,5,0,9,1\n",
     "requests.csv: line 2: dest_node 9 is not a node id 0..2"),
    ("fleet.csv", "vehicle_id,start_node,capacity\n0,0,2\n",
     "fleet.csv: missing column(s) type"),
])
def test_bad_folders_are_one_line_naming_file_and_place(tmp_path, file, text, message):
    folder = _write(tmp_path / "bad", {**FRACTIONAL, file: text})
    with pytest.raises(InstanceError) as err:
        read_instance(folder)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_pair_comparison_is_the_same_in_blocks(tmp_path):
    """The all-pairs comparison in blocks of 1 or 2 origins equals one block of all three
    (same counts, mean, largest change and pair as the docstring above: 6, 0.4, 0.7,
    2 -> 1), and the unrounded direct times of the asked pairs come back (0->2: 20.9 s)."""
    from kl_mobility.instance.edges import exact_pair_rounding, network_from_edge_table

    nodes = pd.read_csv(_write(tmp_path / "p", FRACTIONAL) / "nodes.csv")
    net, rep = network_from_edge_table(nodes, pd.read_csv(tmp_path / "p" / "edges.csv"))
    _, oracle = read_instance(tmp_path / "p")
    pairs = (np.array([0, 2]), np.array([2, 1]))
    out = [exact_pair_rounding(net, rep.exact_time_s, oracle.tt, pairs, block=b)
           for b in (1, 2, 512)]
    for pr, direct in out:
        assert (pr.n_pairs, pr.n_changed, pr.max_pair) == (6, 6, (2, 1))
        assert pr.mean_abs_s == pytest.approx(0.4) and pr.max_abs_s == pytest.approx(0.7)
        assert direct == pytest.approx([20.9, 0.3])
