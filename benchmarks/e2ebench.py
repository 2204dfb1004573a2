"""Whole command-line calls, this tree against a reference revision, in the same run:
``python benchmarks/e2ebench.py run|size|size2 [REPEATS] [REF]`` prints one JSON line.

- ``run``: ``kl-mobility run scenarios/klima-plus-2030.toml --seed 1 --quiet`` (imports,
  network from its cache, the demand rounds, every output written);
- ``size``: ``kl-mobility size scenarios/klima-plus-2030.toml --target share_served>=0.95
  --vehicle-type van --seed 1 --max-count 200 --points 7 --quiet`` (9 fleet sizes: 50, 100
  and 200 from the search, 7 spread points of which one is 100 again);
- ``size2``: the same curve with ``--workers 2`` on this tree's side only (the reference
  side runs ``size`` as it is: a revision without ``--workers``), for its wall time; the
  CPU seconds then include the workers' (and any size evaluated ahead and discarded).

The reference is the revision ``REF`` of this repository (default: ``$KL_E2E_REFERENCE``,
else :data:`REFERENCE`), unpacked with ``git archive`` into a temporary folder beside a ``shared`` link to
the shared data, so that both run the same scenario files and data. Each side runs once
untimed (its numba cache is compiled and the tables are in the page cache), then the two
alternate ``REPEATS`` times (default 2). Each call's CPU seconds are the user + system time
of the child process (``resource.getrusage(RUSAGE_CHILDREN)``, which includes the imports),
next to its wall seconds; on a shared machine only the CPU time says how fast the code is.
The outputs must be the same on both sides, or the script exits 1: ``run`` compares the
trips, vehicles, events, edges and occupancy tables, ``demand.json``, ``co2.json`` and the
KPIs without ``runtime_s``; ``size`` compares the curve CSV without its ``cpu_s`` column.
Both sides use one network cache: ``KL_MOBILITY_CACHE``, else this tree's ``networks/``
(warm it first, e.g. with one ``kl-mobility run``).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REFERENCE = "5890206"
"""The revision measured against by default: the code before the engine's timed calls and
event list, with the same outputs as the commit that added them. The benchmark compares the
outputs, so the reference must be a revision of the same model: after a change of the
model's results, name a revision that has it (``$KL_E2E_REFERENCE`` or ``REF``)."""

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIO = "scenarios/klima-plus-2030.toml"
_MAIN = ("-c", "import sys; from kl_mobility.cli import main; sys.exit(main())")
RUN_FILES = ("trips.parquet", "vehicles.parquet", "events.parquet", "edges.parquet",
             "occupancy.parquet", "demand.json", "co2.json")


KINDS = ("run", "size", "size2")
NEW_ONLY = {"size2": ("--workers", "2")}
"""Options of a kind that only this tree's side gets (the reference may not have them)."""


def _command(kind: str, out: Path, side: str = "new") -> list[str]:
    if kind == "run":
        return [*_MAIN, "run", SCENARIO, "--seed", "1", "--out", str(out),
                "--quiet"]
    extra = NEW_ONLY.get(kind, ()) if side == "new" else ()
    return [*_MAIN, "size", SCENARIO, "--target", "share_served>=0.95",
            "--vehicle-type", "van", "--seed", "1", "--max-count", "200", "--points", "7",
            "--csv", str(out / "curve.csv"), "--quiet", *extra]


def _digest(kind: str, out: Path) -> str:
    h = hashlib.sha256()
    if kind == "run":
        for name in RUN_FILES:
            p = out / name
            h.update(name.encode() + (p.read_bytes() if p.is_file() else b"absent"))
        kpis = json.loads((out / "kpis.json").read_text())
        kpis.pop("runtime_s", None)
        h.update(json.dumps(kpis, sort_keys=True).encode())
    else:
        lines = (out / "curve.csv").read_text().splitlines()
        cols = lines[0].split(",")
        keep = [k for k, c in enumerate(cols) if c != "cpu_s"]
        for line in lines:
            cells = line.split(",")
            h.update(",".join(cells[k] for k in keep).encode() + b"\n")
        h.update(f"rows={len(lines) - 1}".encode())
    return h.hexdigest()


def _call(kind: str, tree: Path, out: Path, side: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src"),
           "KL_MOBILITY_CACHE": os.environ.get("KL_MOBILITY_CACHE", str(ROOT / "networks"))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *_command(kind, out, side)], cwd=tree, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: {kind} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu_s": round(cpu, 2), "wall_s": round(wall, 2)}


def _reference_tree(ref: str, tmp: Path) -> Path:
    tree = tmp / "reference"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    shared = ROOT.parent / "shared"
    if shared.exists():
        (tmp / "shared").symlink_to(shared.resolve())
    return tree


def main(kind: str, repeats: int = 2, ref: str = REFERENCE) -> int:
    if kind not in KINDS:
        raise SystemExit(f"e2ebench: the first argument is one of {', '.join(KINDS)}, not "
                         f"{kind!r}")
    tmp = Path(tempfile.mkdtemp(prefix="kl-e2ebench-"))
    try:
        trees = {"reference": _reference_tree(ref, tmp), "new": ROOT}
        plan = ["reference", "new"] + ["reference", "new"] * repeats
        rows, digests = [], {}
        for k, side in enumerate(plan):
            out = tmp / f"out{k}"
            out.mkdir()
            row = {"side": side, "warmup": k < 2, **_call(kind, trees[side], out, side),
                   "load_1min": round(os.getloadavg()[0], 2)}
            if kind != "run":
                row["sizes"] = len((out / "curve.csv").read_text().splitlines()) - 1
            digest = _digest(kind, out)
            row["same"] = digests.setdefault("first", digest) == digest
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            shutil.rmtree(out)
        timed = [r for r in rows if not r["warmup"]]
        ref_cpu = min(r["cpu_s"] for r in timed if r["side"] == "reference")
        new_cpu = min(r["cpu_s"] for r in timed if r["side"] == "new")
        summary = {"kind": kind, "reference": ref, "repeats": repeats,
                   "new_side_options": " ".join(NEW_ONLY.get(kind, ())), "runs": rows,
                   "reference_cpu_s": ref_cpu, "new_cpu_s": new_cpu,
                   "cpu_ratio": round(ref_cpu / new_cpu, 2),
                   "reference_wall_s": min(r["wall_s"] for r in timed
                                           if r["side"] == "reference"),
                   "new_wall_s": min(r["wall_s"] for r in timed if r["side"] == "new"),
                   "all_identical": all(r["same"] for r in rows), "cpus": os.cpu_count()}
        print(json.dumps(summary))
        return 0 if summary["all_identical"] else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0] if args else "run", int(args[1]) if len(args) > 1 else 2,
                  args[2] if len(args) > 2 else os.environ.get("KL_E2E_REFERENCE",
                                                               REFERENCE)))
