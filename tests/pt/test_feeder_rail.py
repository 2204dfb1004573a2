"""Rail passengers' feeder demand on Kaiserslautern: the shuttle scenario's trains, their
passengers' choices and the feeder requests built from them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kl_mobility.context import RunContext
from kl_mobility.rounds import _scenario_demand, with_feeder_day
from kl_mobility.scenario import default_scenario_path, scenario_from_file

SHUTTLE = default_scenario_path().parent / "shuttle-hbf-firstlast.toml"


@pytest.fixture(scope="module")
def shuttle_day(kl_network, tmp_path_factory):
    sc = scenario_from_file(SHUTTLE)
    ctx = RunContext.prepare(sc)
    demand = _scenario_demand(ctx, seed=1, service_level=None)
    return ctx, demand


def test_rail_passengers_choose_and_become_feeder_requests(shuttle_day):
    ctx, demand = shuttle_day
    req = demand.requests
    out, summary = with_feeder_day(ctx, req, demand, seed=1)
    extra = out.iloc[len(req):]
    assert summary is not None and summary["requests"] == len(extra) > 0
    # every passenger made exactly one choice
    assert sum(summary["chose"].values()) == sum(summary["passengers"].values())
    assert summary["chose"]["ondemand"] == len(extra) <= summary["offered_ondemand"]
    # about 15 per train call (Poisson): within 5 standard deviations of the mean
    for k in ("first", "last"):
        mean = 15.0 * summary["calls"][k]
        assert abs(summary["passengers"][k] - mean) < 5 * np.sqrt(mean)
    # ids continue after the generated requests; the windows come from the trains
    assert extra["request_id"].min() == req["request_id"].max() + 1
    last = extra[extra["feeder"] == "last"]
    first = extra[extra["feeder"] == "first"]
    assert len(last) and len(first)
    assert (last["request_time_s"] == last["pt_time_s"]).all()
    assert (last["earliest_pickup_s"] == last["pt_time_s"] + 180).all()
    assert (first["latest_dropoff_s"] == first["pt_time_s"] - 180).all()
    # the shuttle takes only stations within walking distance of one of its stops (the
    # Hbf's forecourt, and PRE-Park's for the Pfaffwerk station)
    net = ctx.network
    stops = np.asarray(ctx.stops["shuttle"])
    st = np.where(extra["feeder"] == "last", extra["origin_node"], extra["dest_node"])
    dx = net.node_x[st][:, None] - net.node_x[stops][None, :]
    dy = net.node_y[st][:, None] - net.node_y[stops][None, :]
    walk_m = np.sqrt(dx**2 + dy**2).min(axis=1) * ctx.scenario.service.walk_detour_factor
    assert walk_m.max() <= ctx.scenario.service.max_walk_m
    names = dict(zip(ctx.transit.feed.stop_id, ctx.transit.feed.stop_name, strict=True))
    assert any("Hauptbahnhof" in names[s] for s in extra["pt_stop_id"])
    assert set(extra["alt_mode"].astype(str)) <= {"walk", "bus"}
    assert not extra["pt_gained"].any()
    # same seed, same passengers
    again, _ = with_feeder_day(ctx, req, demand, seed=1)
    assert again.equals(out)


def test_no_rail_demand_without_passengers_per_train(shuttle_day):
    ctx, demand = shuttle_day
    sc = dataclasses.replace(ctx.scenario, feeder=dataclasses.replace(
        ctx.scenario.feeder, rail_arrivals_per_train=0.0, rail_departures_per_train=0.0))
    out, summary = with_feeder_day(dataclasses.replace(ctx, scenario=sc), demand.requests,
                                   demand, seed=1)
    assert summary is None and out is demand.requests
