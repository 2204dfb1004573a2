"""Progress and event callbacks: the engine reports through them and never prints."""

from __future__ import annotations

import pandas as pd
from simhelpers import grid

from kl_mobility.dispatch import DispatchConfig
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate


def test_progress_and_event_callbacks(capsys):
    """``on_event`` sees exactly the logged events, in order; progress reaches the total."""
    net, oracle = grid(3, 3)
    req = pd.DataFrame({"request_id": [1, 2], "request_time_s": [3600, 3700],
                        "origin_node": [0, 8], "dest_node": [8, 0], "passengers": [1, 1]})
    seen, reports = [], []

    class Callbacks:
        def on_event(self, time_s, kind, vehicle_id, request_id, node):
            seen.append((time_s, kind, vehicle_id, request_id, node))

    res = simulate(SimInputs(net, oracle, req, ServiceConfig(start_s=0), [VehicleTypeConfig("van", 1, 2)], DispatchConfig(), seed=0), callbacks=Callbacks(), progress=lambda task, done, total: reports.append((task, done, total)))
    logged = sorted(seen, key=lambda e: e[0])  # the log is sorted stably by time
    assert [tuple(r) for r in res.events.itertuples(index=False)] == logged
    assert ("requests", 2, 2) in reports
    assert capsys.readouterr().out == ""
