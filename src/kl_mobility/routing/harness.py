"""Benchmark harness: solve instance files and compare with best-known solutions.

Best-known values come from files given explicitly (looked up first, in the order given)
and else from a ``bks.csv`` next to the instances (see ``../shared/benchmarks/SOURCE.md``). Gaps follow the conventions
of each set: Cordeau DARP compares total distance (at 2 decimals); Li & Lim compares
(vehicles, distance) lexicographically, so a distance gap is reported only where the
best-known vehicle count is reached.
"""

from __future__ import annotations

import csv
import math
import time as _time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from kl_mobility.errors import InputError
from kl_mobility.progress import ProgressCallback, report
from kl_mobility.routing.model import SearchOptions, solve
from kl_mobility.routing.readers import read_bks, read_instance

__all__ = [
    "BenchRow",
    "bench_instances",
    "expand_paths",
    "format_number",
    "format_table",
    "rows_to_csv",
    "summarize",
]


@dataclass(frozen=True)
class BenchRow:
    """One solved instance. ``gap_pct`` is NaN without a comparable best-known value.

    ``time_s`` is the solver's wall-clock time; ``cpu_s`` the CPU time this process used
    during the solve (all its threads; on a shared machine it shows how much of the wall
    budget the solver actually got).
    """

    instance: str
    kind: str
    vehicles: int
    objective: float
    bks_vehicles: int | None
    bks_objective: float | None
    gap_pct: float
    time_s: float
    cpu_s: float
    feasible: bool
    unserved: int
    time_limit_s: float


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Instance files from files and directories (``*.txt`` in a directory, sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(x for x in p.glob("*.txt") if x.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"{p}: no such instance file or directory")
    if not out:
        raise InputError("no instance files given")
    return out


def _gap(kind: str, vehicles: int, objective: float,
         bks: tuple[int | None, float] | None) -> float:
    if bks is None or not math.isfinite(objective):
        return math.nan
    bv, bo = bks
    if kind == "pdptw" and bv is not None and vehicles != bv:
        return math.nan
    obj = round(objective, 2) if kind == "darp" else objective
    return 100.0 * (obj - bo) / bo


def _given_bks(bks_files: str | Path | Sequence[str | Path] | None
               ) -> dict[str, tuple[int | None, float]]:
    """The best-known tables given explicitly, merged; an instance with two different values
    in them is an error."""
    if bks_files is None:
        return {}
    files = [bks_files] if isinstance(bks_files, (str, Path)) else list(bks_files)
    out: dict[str, tuple[int | None, float]] = {}
    for f in files:
        for name, value in read_bks(f).items():
            if name in out and out[name] != value:
                raise InputError(f"{f}: best-known value of {name} {value} differs from "
                                 f"{out[name]} in an earlier file")
            out[name] = value
    return out


def bench_instances(paths: Sequence[str | Path], options: SearchOptions, *,
                    bks_file: str | Path | Sequence[str | Path] | None = None,
                    progress: ProgressCallback | None = None,
                    on_row: Callable[[BenchRow], None] | None = None) -> list[BenchRow]:
    """Solve every instance with ``options`` and compare with the best-known values.

    ``bks_file``: one or more best-known tables; an instance found in them takes its value
    from there, any other from the ``bks.csv`` next to its file (when there is one).
    ``on_row`` is called after each instance (e.g. to write partial results).
    """
    files = expand_paths(paths)
    bks_cache: dict[Path, dict[str, tuple[int | None, float]]] = {}
    given = _given_bks(bks_file)
    rows = []
    for i, f in enumerate(files):
        report(progress, "instances", i, len(files))
        inst = read_instance(f)
        cand = f.parent / "bks.csv"
        if cand not in bks_cache:
            bks_cache[cand] = read_bks(cand) if cand.is_file() else {}
        c0 = _time.process_time()
        sol = solve(inst.problem, options)
        cpu = _time.process_time() - c0
        bks = given.get(inst.name, bks_cache[cand].get(inst.name))
        rows.append(BenchRow(
            instance=inst.name, kind=inst.kind, vehicles=sol.n_vehicles_used,
            objective=sol.distance if sol.routes else math.nan,
            bks_vehicles=bks[0] if bks else None, bks_objective=bks[1] if bks else None,
            gap_pct=_gap(inst.kind, sol.n_vehicles_used, sol.distance, bks) if sol.routes
            else math.nan,
            time_s=sol.stats.wall_time_s, cpu_s=cpu, feasible=sol.feasible,
            unserved=len(sol.dropped),
            time_limit_s=options.time_limit_s))
        if on_row is not None:
            on_row(rows[-1])
    report(progress, "instances", len(files), len(files))
    return rows


def format_number(x: float | None, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals; "-" for None/NaN; never "-0.00"."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"


def format_table(rows: Sequence[BenchRow]) -> str:
    """A plain-text table: instance, vehicles, objective, best-known, gap %, wall and CPU
    time, feasible."""
    head = ("instance", "vehicles", "objective", "best-known", "gap %", "time s", "cpu s",
            "feasible")
    body = []
    for r in rows:
        bk = format_number(r.bks_objective)
        if r.bks_vehicles is not None:
            bk = f"{r.bks_vehicles} / {bk}"
        body.append((r.instance, str(r.vehicles), format_number(r.objective), bk, format_number(r.gap_pct),
                     format_number(r.time_s, 1), format_number(r.cpu_s, 1),
                     "yes" if r.feasible else
                     f"NO ({r.unserved} unserved)" if r.unserved else "NO"))
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
              for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                        enumerate(zip(b, widths))) for b in body]
    return "\n".join(lines)


def summarize(rows: Sequence[BenchRow]) -> dict[str, dict[str, float]]:
    """Per format: count, feasible count, mean/max gap, best-known vehicle count reached."""
    out: dict[str, dict[str, float]] = {}
    for kind in sorted({r.kind for r in rows}):
        rs = [r for r in rows if r.kind == kind]
        gaps = [r.gap_pct for r in rs if not math.isnan(r.gap_pct)]
        with_bv = [r for r in rs if r.bks_vehicles is not None]
        out[kind] = {
            "instances": len(rs),
            "feasible": sum(r.feasible for r in rs),
            "with_gap": len(gaps),
            "mean_gap_pct": sum(gaps) / len(gaps) if gaps else math.nan,
            "max_gap_pct": max(gaps) if gaps else math.nan,
            "bks_vehicles_reached": sum(r.feasible and r.vehicles <= (r.bks_vehicles or 0)
                                        for r in with_bv),
            "with_bks_vehicles": len(with_bv),
            "max_time_s": max(r.time_s for r in rs),
        }
    return out


def rows_to_csv(rows: Sequence[BenchRow], path: str | Path) -> Path:
    """Write the rows as CSV (one column per :class:`BenchRow` field)."""
    from kl_mobility.io import atomic_file

    path = Path(path)
    fields = list(BenchRow.__dataclass_fields__)
    with atomic_file(path) as tmp, tmp.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            d = asdict(r)
            d["objective"] = f"{r.objective:.4f}"
            d["gap_pct"] = "" if math.isnan(r.gap_pct) else f"{r.gap_pct:.3f}"
            d["time_s"] = f"{r.time_s:.2f}"
            d["cpu_s"] = f"{r.cpu_s:.2f}"
            w.writerow(d)
    return path
