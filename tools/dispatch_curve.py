"""Dispatch policies and insertion costs over fleet sizes on one instance: a measurement
script (not a test), printing and writing one table.

Usage (from the repository root, with the project's environment active)::

    python tools/dispatch_curve.py DIR --fleets 50 100 150 200 \\
        --policies insertion batch rtv --costs added_time rider_time --csv out.csv

A policy may carry options after a colon, e.g. ``rtv:reassign=false,rebalance=false``
(values: true/false or numbers). ``DIR`` is an instance folder (``kl-mobility instance export SCENARIO --seed S --out DIR``
writes a scenario's settled day as one). Every run simulates the same requests with the
first ``N`` vehicles of the instance's fleet (their start nodes as exported; so ``N`` is at
most the exported fleet) and the instance's service rules; the columns and their
conventions are those of ``kl-mobility bench dispatch``
(:data:`kl_mobility.dispatchbench.COLUMNS`), plus ``fleet`` and ``cost``. CPU seconds are
``time.process_time`` around the simulation (this process, all its threads). Each run is
also checked by the independent output checker (``violations``).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
import time
from pathlib import Path


def _option(kv: str) -> tuple[str, object]:
    key, _, val = kv.partition("=")
    if val in ("true", "false"):
        return key, val == "true"
    return key, (float(val) if "." in val else int(val))


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    from kl_mobility.dispatch import DispatchConfig
    from kl_mobility.dispatchbench import load_bench_instance
    from kl_mobility.io import atomic_file
    from kl_mobility.results.check import check_outputs
    from kl_mobility.sim import simulate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance")
    ap.add_argument("--fleets", type=int, nargs="+", required=True)
    ap.add_argument("--policies", nargs="+", default=["insertion", "batch", "rtv"])
    ap.add_argument("--costs", nargs="+", default=["added_time"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", required=True)
    a = ap.parse_args(argv)
    bi = load_bench_instance(a.instance, a.seed)
    inst = bi.instance
    if len(inst.fleet) != 1:
        print(f"{a.instance}: one vehicle type expected, got {len(inst.fleet)}",
              file=sys.stderr)
        return 2
    vt = inst.fleet[0]
    rows: list[dict[str, object]] = []
    cols = ["fleet", "cost", "policy", "requests", "served", "share_served", "wait_mean_s",
            "wait_p95_s", "ride_mean_s", "detour_mean", "vehicle_km", "empty_km",
            "occupancy", "cpu_s_per_day", "max_stops_skips", "violations"]
    print(",".join(cols), flush=True)
    for n in a.fleets:
        if n > vt.count:
            print(f"--fleets: {n} > the instance's {vt.count} vehicles", file=sys.stderr)
            return 2
        sub = dataclasses.replace(inst, fleet=(dataclasses.replace(
            vt, count=n, start_nodes=tuple(vt.start_nodes[:n]) if vt.start_nodes else ()),))
        for cost in a.costs:
            for spec in a.policies:
                policy, _, opts = spec.partition(":")
                options = dict(_option(kv) for kv in opts.split(",") if kv)
                inputs = sub.sim_inputs(bi.oracle, DispatchConfig(policy=policy, cost=cost,
                                                                  options=options), a.seed)
                t0 = time.process_time()
                res = simulate(inputs)
                cpu = time.process_time() - t0
                found = check_outputs(res, inputs.requests, sub.service, bi.oracle.tt, None,
                                      per_type_rules=bi.per_type_rules)
                k = res.kpis
                km = float(res.vehicles["km_total"].sum())
                row = {"fleet": n, "cost": cost, "policy": spec,
                       "requests": int(k["n_requests"]), "served": int(k["n_served"]),
                       "share_served": float(k["share_served"]),
                       "wait_mean_s": float(k["wait_mean_s"]),
                       "wait_p95_s": float(k["wait_p95_s"]),
                       "ride_mean_s": float(k["ride_mean_s"]),
                       "detour_mean": float(k["detour_mean"]), "vehicle_km": km,
                       "empty_km": float(res.vehicles["km_empty"].sum()),
                       "occupancy": float(k["occupancy"]) if km > 0 else float(np.nan),
                       "cpu_s_per_day": cpu,
                       "max_stops_skips": int(res.meta["max_stops_skips"]),
                       "violations": len(found)}
                rows.append(row)
                print(",".join(f"{row[c]:.6g}" if isinstance(row[c], float) else str(row[c])
                               for c in cols), flush=True)
                with atomic_file(Path(a.csv)) as tmp, open(tmp, "w", newline="") as fh:
                    w = csv.DictWriter(fh, fieldnames=cols)
                    w.writeheader()
                    w.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
