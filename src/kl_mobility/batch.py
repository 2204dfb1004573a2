"""Scenario batches: every scenario x seed in parallel on a Dask cluster, resumable.

``run_batch(files, seeds, batch_dir)`` runs each (scenario, seed) once with a run function
(by default :func:`kl_mobility.runner.run_scenario`) on a ``dask.distributed`` cluster: a
:class:`~dask.distributed.LocalCluster` on the local cores, or an existing cluster given by
its scheduler address. Nothing else distributes work.

Layout under ``batch_dir`` (``results/<batch>/``)::

    <scenario>/<seed>/        one finished run: the run function's files, plus
        run.json              key, scenario, seed, code version, KPIs, seconds, finish time
        scenario.json         the fully resolved scenario mapping (reports rebuild it)
    batch.json                every run's outcome of the last invocation (done/skipped/failed)
    runs.csv                  tidy KPIs: scenario, seed, kpi, value (one row per figure)
    summary.csv               per scenario and KPI: n, mean, std, ci95_low, ci95_high

A run is written into a hidden temporary folder beside its target and renamed into place
only after it finished, so ``<scenario>/<seed>/run.json`` exists exactly for finished runs.
A finished run whose key (hash of the resolved scenario content, the seed and the code
version) matches is skipped, so an interrupted batch resumes where it stopped and a changed
scenario or code runs again. A failing run is recorded with its error; the others go on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kl_mobility import __version__
from kl_mobility.errors import InputError
from kl_mobility.progress import ProgressCallback, report
from kl_mobility.scenario import Scenario, scenario_from_file, scenario_from_mapping

__all__ = [
    "BatchResult",
    "RunFunction",
    "RunOutcome",
    "RunSpec",
    "code_version",
    "default_batch_name",
    "plan_batch",
    "run_batch",
    "run_key",
    "run_specs",
]

log = logging.getLogger(__name__)

RunFunction = Callable[..., Mapping[str, Any]]
"""``run(scenario, seed, out_dir, progress=None) -> {kpi: value}`` writing its files into
``out_dir`` (which does not exist yet). Must be picklable (a module-level function)."""

RUN_FILE = "run.json"
SCENARIO_FILE = "scenario.json"


_PRESENTATION = ("cli/", "batch.py", "results/report.py", "results/plots.py", "results/gis.py")
"""Modules that do not change what a run computes; left out of the code version."""


def _package_digest() -> str:
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        if rel.startswith(_PRESENTATION):
            continue
        h.update(rel.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def code_version() -> str:
    """``<package version>+<digest of the source files that compute a run>``: a change of
    the engine, demand, network, emissions or configuration code counts; a change of the
    CLI, the batch layer or the report does not."""
    return f"{__version__}+{_package_digest()}"


def run_key(scenario: Scenario, seed: int, version: str) -> str:
    """Identity of one run: hash of the resolved scenario content, the seed and the code."""
    blob = f"{scenario.content_hash()}|{seed}|{version}"
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class RunSpec:
    """One (scenario, seed) of a batch and where its results go."""

    scenario_name: str
    scenario_file: str
    scenario_mapping: dict[str, Any]
    seed: int
    key: str
    out_dir: str
    code_version: str


@dataclass(frozen=True)
class RunOutcome:
    """What became of one run: ``status`` is ``done``, ``skipped`` or ``failed``."""

    scenario: str
    seed: int
    status: str
    key: str
    out_dir: str
    seconds: float = 0.0
    kpis: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass(frozen=True)
class BatchResult:
    """All outcomes of a batch invocation (in plan order) and the batch folder."""

    batch_dir: Path
    outcomes: tuple[RunOutcome, ...]

    @property
    def failed(self) -> tuple[RunOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    def counts(self) -> dict[str, int]:
        out = {"done": 0, "skipped": 0, "failed": 0}
        for o in self.outcomes:
            out[o.status] += 1
        return out


def default_batch_name(files: Sequence[str | Path]) -> str:
    """Deterministic batch name (so a re-run resumes): the folder name of the scenario files
    when they share one, else a short hash of their names."""
    parents = {Path(f).resolve().parent for f in files}
    if len(parents) == 1:
        return next(iter(parents)).name
    names = ",".join(sorted(Path(f).stem for f in files))
    return "batch-" + hashlib.sha256(names.encode()).hexdigest()[:8]


def plan_batch(
    files: Sequence[str | Path],
    seeds: Iterable[int],
    batch_dir: str | Path,
    *,
    version: str | None = None,
) -> list[RunSpec]:
    """Read and validate every scenario file (all errors before anything runs) and list the
    runs. Scenario names must be unique in a batch (they name the result folders)."""
    if not files:
        raise InputError("no scenario files given")
    version = version or code_version()
    seeds = list(seeds)
    batch_dir = Path(batch_dir)
    specs = []
    seen: dict[str, str] = {}
    for f in files:
        scenario = scenario_from_file(f)
        if scenario.name in seen:
            raise InputError(f"{f}: scenario name '{scenario.name}' also used by {seen[scenario.name]}"
                             "; names must be unique in a batch")
        seen[scenario.name] = str(f)
        for seed in seeds:
            specs.append(RunSpec(scenario.name, str(f), scenario.to_mapping(), int(seed),
                                 run_key(scenario, seed, version),
                                 str(batch_dir / scenario.name / str(seed)), version))
    return specs


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _finished(spec: RunSpec) -> dict[str, Any] | None:
    path = Path(spec.out_dir) / RUN_FILE
    if not path.is_file():
        return None
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if info.get("key") == spec.key else None


def _default_run(scenario: Scenario, seed: int, out_dir: Path, progress: Any = None):
    from kl_mobility.runner import run_scenario  # imported on the worker

    return run_scenario(scenario, seed, out_dir, progress=progress)


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def execute_run(spec: RunSpec, run_fn: RunFunction | None = None) -> RunOutcome:
    """Run one spec into a temporary folder, add ``run.json``, rename into place.

    Never raises for a failing run: the error (type, message and traceback tail) is in the
    returned outcome. Runs on a Dask worker.
    """
    run_fn = run_fn or _default_run
    final = Path(spec.out_dir)
    tmp = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
    t0 = time.perf_counter()
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        for stale in final.parent.glob(f".tmp-{final.name}-*"):  # left by an interrupted run
            if stale != tmp:
                shutil.rmtree(stale, ignore_errors=True)
        scenario = scenario_from_mapping(spec.scenario_mapping, file=spec.scenario_file)
        kpis = dict(run_fn(scenario, spec.seed, tmp) or {})
        tmp.mkdir(parents=True, exist_ok=True)
        kpis = _add_co2(kpis, scenario, tmp)
        seconds = time.perf_counter() - t0
        info = _read_json(tmp / RUN_FILE)  # what the run function recorded, if anything
        info.update({"key": spec.key, "scenario": spec.scenario_name, "seed": spec.seed,
                "code_version": spec.code_version, "scenario_file": spec.scenario_file,
                "seconds": seconds, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "kpis": _json_safe(kpis)})
        (tmp / SCENARIO_FILE).write_text(json.dumps(spec.scenario_mapping, indent=1),
                                         encoding="utf-8")
        (tmp / RUN_FILE).write_text(json.dumps(info, indent=1), encoding="utf-8")
        if final.exists():  # an outdated run of another key
            shutil.rmtree(final)
        os.replace(tmp, final)
        return RunOutcome(spec.scenario_name, spec.seed, "done", spec.key, str(final),
                          seconds, info["kpis"])
    except Exception as exc:  # noqa: BLE001 - a failed run is reported, the batch goes on
        shutil.rmtree(tmp, ignore_errors=True)
        tb = traceback.format_exc(limit=-3).strip().splitlines()
        err = f"{type(exc).__name__}: {exc}"
        detail = " | ".join(line.strip() for line in tb[-4:-1] if line.strip())
        return RunOutcome(spec.scenario_name, spec.seed, "failed", spec.key, str(final),
                          time.perf_counter() - t0, {}, f"{err} [{detail}]" if detail else err)


def _add_co2(kpis: dict[str, Any], scenario: Scenario, run_dir: Path) -> dict[str, Any]:
    """Add the ``co2_*`` figures of :func:`kl_mobility.emissions.co2_account` when the run
    wrote trips and vehicles tables and the run function did not report them itself."""
    if any(k.startswith("co2_") for k in kpis):
        return kpis
    from kl_mobility.report.summary import run_co2_kpis

    extra = run_co2_kpis(scenario, run_dir)
    return {**kpis, **extra}


def _client(scheduler: str | None, workers: int | None):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run_batch(
    files: Sequence[str | Path],
    seeds: Iterable[int],
    batch_dir: str | Path,
    *,
    run_fn: RunFunction | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Any = None,
    version: str | None = None,
    progress: ProgressCallback | None = None,
    on_outcome: Callable[[RunOutcome], None] | None = None,
) -> BatchResult:
    """Run every scenario file x seed; skip finished runs; write the batch tables.

    ``run_fn`` defaults to :func:`kl_mobility.runner.run_scenario`. ``scheduler`` is the
    address of an existing Dask scheduler; without it a LocalCluster of ``workers``
    processes (default: all cores) is started and closed again; an open
    ``dask.distributed.Client`` given as ``client`` is used as it is. ``on_outcome`` is called in
    this process as each run ends (the CLI prints failures there).
    """
    batch_dir = Path(batch_dir)
    specs = plan_batch(files, seeds, batch_dir, version=version)
    return run_specs(specs, batch_dir, run_fn=run_fn, scheduler=scheduler, workers=workers,
                     client=client, progress=progress, on_outcome=on_outcome)


def run_specs(
    specs: Sequence[RunSpec],
    batch_dir: str | Path,
    *,
    run_fn: RunFunction | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Any = None,
    progress: ProgressCallback | None = None,
    on_outcome: Callable[[RunOutcome], None] | None = None,
) -> BatchResult:
    """Run planned ``specs`` as :func:`run_batch` does (skipping finished runs of the same
    key, on a Dask cluster) and write the batch tables into ``batch_dir``. Callers that
    plan their own runs (the sensitivity analysis: one spec per sample) use it directly."""
    batch_dir = Path(batch_dir)
    if not specs:
        raise InputError("no runs planned")
    outcomes: dict[int, RunOutcome] = {}
    todo: list[int] = []
    for i, spec in enumerate(specs):
        info = _finished(spec)
        if info is not None:
            outcomes[i] = RunOutcome(spec.scenario_name, spec.seed, "skipped", spec.key,
                                     spec.out_dir, float(info.get("seconds", 0.0)),
                                     info.get("kpis", {}))
        else:
            todo.append(i)
    total = len(specs)
    report(progress, "runs", len(outcomes), total)
    batch_dir.mkdir(parents=True, exist_ok=True)
    if todo:
        from dask.distributed import as_completed

        own = client is None
        cluster = None
        if own:
            client, cluster = _client(scheduler, workers)
        try:
            futures = {client.submit(execute_run, specs[i], run_fn, pure=False,
                                     key=f"run-{specs[i].scenario_name}-{specs[i].seed}-"
                                     f"{uuid.uuid4().hex[:6]}"): i for i in todo}
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker died
                    spec = specs[i]
                    outcome = RunOutcome(spec.scenario_name, spec.seed, "failed", spec.key,
                                         spec.out_dir, 0.0, {}, f"{type(exc).__name__}: {exc}")
                outcomes[i] = outcome
                if on_outcome is not None:
                    on_outcome(outcome)
                report(progress, "runs", len(outcomes), total)
        finally:
            if own:
                client.close()
                if cluster is not None:
                    cluster.close()
    result = BatchResult(batch_dir, tuple(outcomes[i] for i in range(total)))
    _write_batch_tables(result, specs[0].code_version)
    return result


def _write_batch_tables(result: BatchResult, version: str) -> None:
    from kl_mobility.report.summary import collect_runs, summarize, write_atomic_csv

    batch_json = {"code_version": version, "counts": result.counts(),
                  "runs": [asdict(o) for o in result.outcomes]}
    tmp = result.batch_dir / ".batch.json.tmp"
    tmp.write_text(json.dumps(_json_safe(batch_json), indent=1), encoding="utf-8")
    os.replace(tmp, result.batch_dir / "batch.json")
    runs = collect_runs(result.batch_dir)
    write_atomic_csv(runs, result.batch_dir / "runs.csv")
    write_atomic_csv(summarize(runs), result.batch_dir / "summary.csv")
