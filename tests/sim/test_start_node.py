"""The vehicle table's ``start_node``: where each vehicle stands when the day begins.

Grid 5 x 5 (node id = row * 5 + col), 200 m at 36 km/h = 20 s per block.
"""

from __future__ import annotations

import numpy as np
from simhelpers import grid, random_requests

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate
from kl_mobility.sim.setup import depot_nodes, make_fleet
from kl_mobility.sim.simulate import STREAMS

FLEET = [VehicleTypeConfig("van", 3, 4), VehicleTypeConfig("night", 2, 6, start_s=9 * 3600)]


def _run(service: ServiceConfig, seed: int):
    net, oracle = grid(5, 5)
    req = random_requests(np.random.default_rng(3), 20, net.n_nodes, 8 * 3600, 8 * 3600 + 1200)
    return net, req, simulate(SimInputs(net, oracle, req, service, FLEET, DispatchConfig(), seed=seed))


def test_random_start_nodes_are_the_fleet_streams_draw():
    """initial_positions = random: start_node is make_fleet's draw from the ``fleet``
    stream of SeedSequence(seed), one per vehicle in scenario order (3 vans, then 2 of the
    later type, which stand there too although they start work at 9:00)."""
    svc = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600)
    net, _req, res = _run(svc, seed=11)
    rng = np.random.default_rng(np.random.SeedSequence(11).spawn(len(STREAMS))[
        STREAMS.index("fleet")])
    x, y = np.asarray(net.node_x), np.asarray(net.node_y)
    drawn = make_fleet(FLEET, svc, net.n_nodes, depot_nodes(svc, x, y), rng, svc.start_s)
    assert res.vehicles["vehicle_id"].tolist() == [0, 1, 2, 3, 4]
    assert res.vehicles["start_node"].tolist() == drawn.pos_node.tolist()
    assert res.vehicles["start_node"].dtype == np.int32
    # the first assignment of a vehicle happens where it stood (it had not moved)
    ev = res.events[res.events["vehicle_id"] >= 0].groupby("vehicle_id").first()
    ev = ev[ev["kind"] == "assign"]
    assert len(ev) >= 2
    assert (ev["node"] == res.vehicles.set_index("vehicle_id").loc[ev.index,
                                                                   "start_node"]).all()


def test_depot_start_nodes():
    """initial_positions = depot with depots 3 and 21: vehicles take them in turn
    (v % 2), so 3, 21, 3, 21, 3; the seed does not matter."""
    svc = ServiceConfig(start_s=7 * 3600, end_s=10 * 3600, initial_positions="depot",
                        depot_nodes=(3, 21))
    _net, _req, a = _run(svc, seed=1)
    _net, _req, b = _run(svc, seed=2)
    assert a.vehicles["start_node"].tolist() == [3, 21, 3, 21, 3]
    assert b.vehicles["start_node"].tolist() == [3, 21, 3, 21, 3]
