"""A whole scenario run (demand rounds included), today's path against the reference path,
in one process: ``python benchmarks/runbench.py SCENARIO [REPEATS]`` prints one JSON line.

The reference path is the run as it was before the demand rounds were sped up, switched on
here by swapping three pieces back in:

- ``travel``: every simulation builds the speed-capped oracles anew and transposes each
  travel-time table in memory (no per-process oracle per cap, no cached transpose);
- ``demand``: every round draws the whole day again (no ``same_day`` reuse);
- ``clock``: the engine's processes run on a ``simpy.Environment``
  (:class:`kl_mobility.sim.simpyclock.SimpyClock`).

After one untimed warm-up run (imports, compiled kernels, tables in the page cache) the two
paths alternate ``REPEATS`` times (default 2). Each run's CPU seconds
(``time.process_time``, user + system of this process) and wall seconds are recorded; the
outputs of every run (trips, vehicles, events, edges, occupancy, requests as parquet bytes;
the KPIs without ``runtime_s``; demand.json; co2.json) must be byte-identical to the first
run's, or the script exits 1.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from kl_mobility.sim.simpyclock import SimpyClock

FILES = ("trips.parquet", "vehicles.parquet", "events.parquet", "edges.parquet",
         "occupancy.parquet", "requests.parquet", "demand.json", "co2.json")


def _reference_capped_oracle(network, speed_cap_kmh, *, cache_dir=None):
    """A new speed-capped oracle on every call (the reference path)."""
    from kl_mobility.network import build_oracle

    speed = np.minimum(np.asarray(network.edge_speed_kmh, np.float64), float(speed_cap_kmh))
    capped = network.with_edge_speeds(speed, key_suffix=f":vehicle-cap:{speed_cap_kmh:g}")
    return build_oracle(capped, cache_dir=cache_dir)


@contextlib.contextmanager
def reference_path():
    """Swap the reference pieces in (module docstring) for the duration."""
    import importlib

    from kl_mobility import rounds as runner

    engine = importlib.import_module("kl_mobility.sim.engine")
    travel = importlib.import_module("kl_mobility.sim.travel")
    scenario_demand = runner._scenario_demand

    def draw_anew(*args, same_day=None, **kwargs):
        return scenario_demand(*args, **kwargs)

    saved = (engine.Clock, travel.capped_oracle, travel._transpose, runner._scenario_demand)
    engine.Clock = SimpyClock
    travel.capped_oracle = _reference_capped_oracle
    travel._transpose = lambda oracle, tt: np.ascontiguousarray(tt.T)
    runner._scenario_demand = draw_anew
    try:
        yield
    finally:
        (engine.Clock, travel.capped_oracle, travel._transpose,
         runner._scenario_demand) = saved


def _digest(run_dir: Path) -> dict[str, str]:
    out = {}
    for name in FILES:
        p = run_dir / name
        out[name] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "absent"
    kpis = json.loads((run_dir / "kpis.json").read_text())
    kpis.pop("runtime_s", None)
    out["kpis"] = hashlib.sha256(json.dumps(kpis, sort_keys=True).encode()).hexdigest()
    return out


def main(scenario_path: str, repeats: int = 2) -> int:
    from kl_mobility.runner import run_scenario
    from kl_mobility.scenario import Scenario

    scenario = Scenario.from_file(scenario_path)
    tmp = Path(tempfile.mkdtemp(prefix="kl-runbench-"))
    first = None
    rows = []
    plan = ["warmup"] + ["reference", "new"] * repeats
    for k, path in enumerate(plan):
        ctx = reference_path() if path == "reference" else contextlib.nullcontext()
        out = tmp / f"run{k}"
        with ctx:
            c0, w0 = time.process_time(), time.perf_counter()
            kpis = run_scenario(scenario, 1, out)
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        digest = _digest(out)
        if first is None:
            first = digest
        same = digest == first
        rows.append({"path": path, "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
                     "same": same, "requests": int(kpis["n_requests"]),
                     "served": int(kpis["n_served"]), "rounds": int(kpis["demand_rounds"])})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    ref = [r["cpu_s"] for r in rows if r["path"] == "reference"]
    new = [r["cpu_s"] for r in rows if r["path"] == "new"]
    summary = {"scenario": scenario.name, "repeats": repeats, "runs": rows,
               "reference_cpu_s": min(ref), "new_cpu_s": min(new),
               "cpu_ratio": round(min(ref) / min(new), 2),
               "all_identical": all(r["same"] for r in rows),
               "load_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    print(json.dumps(summary))
    return 0 if summary["all_identical"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2))
