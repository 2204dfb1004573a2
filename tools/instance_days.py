"""Write the shipped instance days (``src/kl_mobility/instance/days/``) from their recipes.

Usage (from the repository root, with the project's environment active)::

    python tools/instance_days.py [NAME ...]      # default: every day of RECIPES

Each day is an instance folder (:mod:`kl_mobility.instance.folder`) written from a named,
deterministic recipe, and ``days.json`` records, per day, the recipe, the sizes and the
size and SHA-256 of every file (:func:`kl_mobility.io.file_manifest`).
:func:`kl_mobility.instance.days.read_day` refuses a folder that does not match, so a
shipped day is the same day everywhere. The folders are data: re-running a recipe with
another code version (another demand model) may give another day, which then gets new
checksums here and has to be committed deliberately.

Recipes (seed 1 throughout):

- ``kl-small``: ``tools/days/kl-small.toml`` (``pooling-citywide.toml`` at 25 % of the
  demand, 12 vans of 6 seats), its settled day (``kl-mobility instance export``).
- ``kl-medium``: ``scenarios/pooling-citywide.toml`` as shipped (50 vans of 6 seats), its
  settled day.
- ``kl-large``: the Kaiserslautern weekday of the simulation benchmark
  (``benchmarks/simbench.py``: 20,000 requests uniform over the network's nodes, at least
  500 m apart, on a two-peak weekday profile, seed 20240521), 200 vans of 6 seats, the
  simulation's default rules (:class:`kl_mobility.service.ServiceConfig`), vehicle start
  nodes as a simulation with seed 1 draws them (the size of a comparison with RidePy).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAYS = ROOT / "src" / "kl_mobility" / "instance" / "days"

RECIPES = {
    "kl-small": "settled day of tools/days/kl-small.toml (scenarios/pooling-citywide.toml "
                "with demand.scale = 0.25 and 12 vans), seed 1",
    "kl-medium": "settled day of scenarios/pooling-citywide.toml (50 vans), seed 1",
    "kl-large": "benchmarks/simbench.py weekday_requests(network, 20000) (seed 20240521), "
                "200 vans of 6 seats, ServiceConfig() rules, start nodes of a simulation "
                "with seed 1",
}
SCENARIOS = {"kl-small": ROOT / "tools" / "days" / "kl-small.toml",
             "kl-medium": ROOT / "scenarios" / "pooling-citywide.toml"}


def _large():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from kl_mobility.dispatch import DispatchConfig
    from kl_mobility.instance import instance_of_day
    from kl_mobility.network import build_oracle, load_network
    from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate
    from simbench import weekday_requests

    net = load_network()
    req = weekday_requests(net, 20_000)
    fleet = (VehicleTypeConfig("van", 200, 6),)
    service = ServiceConfig()
    res = simulate(SimInputs(net, build_oracle(net), req, service, fleet, DispatchConfig(),
                             seed=1))
    return instance_of_day("kl-large", net, req, fleet,
                           res.vehicles["start_node"].to_numpy(), service)


def main(names: list[str]) -> int:
    from dataclasses import replace

    from kl_mobility.dispatchbench import scenario_instance
    from kl_mobility.instance import write_instance
    from kl_mobility.io import file_manifest, write_json

    index_path = DAYS / "days.json"
    index = json.loads(index_path.read_text()) if index_path.is_file() else {}
    for name in names or list(RECIPES):
        if name == "kl-large":
            inst = _large()
        else:
            inst, _ = scenario_instance(SCENARIOS[name], 1)
            inst = replace(inst, name=name)
        folder = write_instance(DAYS / name, inst)
        index[name] = {
            "recipe": RECIPES[name],
            "requests": len(inst.requests),
            "vehicles": int(sum(vt.count for vt in inst.fleet)),
            "nodes": inst.network.n_nodes, "edges": inst.network.n_edges,
            "files": file_manifest(folder),
        }
        print(f"{name}: {index[name]['requests']:,} requests, {index[name]['vehicles']} "
              f"vehicles", flush=True)
    write_json(index_path, dict(sorted(index.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
