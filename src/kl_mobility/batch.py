"""Scenario batches: every scenario x seed in parallel on a Dask cluster, resumable.

``run_batch(files, seeds, batch_dir)`` runs each (scenario, seed) once with a run function
(by default :func:`kl_mobility.runner.run_scenario`) on a ``dask.distributed`` cluster: a
:class:`~dask.distributed.LocalCluster` on the local cores, or an existing cluster given by
its scheduler address. (``kl-mobility size --workers`` evaluates the fleet sizes of one
curve in forked processes of its own, :mod:`kl_mobility.sizepool`.)

Layout under ``batch_dir`` (``results/<batch>/``)::

    <scenario>/<seed>/        one finished run: the run function's files, plus
        run.json              key, scenario, seed, code version, KPIs, seconds, finish time
        scenario.json         the fully resolved scenario mapping (reports rebuild it)
    batch.json                every run's outcome of the last invocation (done/skipped/failed)
    runs.csv                  tidy KPIs: scenario, seed, kpi, value (one row per figure)
    summary.csv               per scenario and KPI: n, mean, std, ci95_low, ci95_high
    sweep.csv                 with sweep files (:mod:`kl_mobility.sweep`): per grid point
                              (scenario), its grid values
    districts.csv, district_dest.csv, hours.csv, accessibility.csv
                              who gains, mean over seeds per scenario and district / hour
                              (``*_runs.csv``: every run's rows with scenario and seed;
                              :mod:`kl_mobility.results.districts`)

A run is written into a staging folder beside its target (:func:`kl_mobility.io.staged_dir`)
and renamed into place only after it finished, so ``<scenario>/<seed>/run.json`` exists
exactly for finished runs; ``run.json`` records the size and SHA-256 of every other file of
the run (``files``). A finished run whose key (hash of the resolved scenario content, the
seed and the code version) matches and whose files match that manifest is skipped, so an
interrupted batch resumes where it stopped, a changed scenario or code runs again, and a
damaged run (a file missing, truncated or altered) runs again. A failing run is recorded
with its error; the others go on. The batch folder is locked while a batch writes it.

On a cluster of several machines (``scheduler``), each run's files travel back to the
client, which writes them into ``batch_dir`` and checks them against the worker's
manifest; with ``shared_store`` the workers write into ``batch_dir`` (the same path on a
shared file system) and the client checks every run there. Each worker builds (or loads)
the road network and travel-time tables in its own cache folder, ``$KL_MOBILITY_CACHE`` or
``networks/`` in its working directory; point ``$KL_MOBILITY_CACHE`` at a shared folder to
build them once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kl_mobility import __version__
from kl_mobility.dispatch.registry import policy_identity
from kl_mobility.errors import InputError
from kl_mobility.io import (
    LOCK_NAME,
    MARKER,
    FolderLock,
    check_output_dir,
    file_manifest,
    json_safe,
    staged_dir,
    verify_manifest,
    write_json,
)
from kl_mobility.progress import ProgressCallback, report
from kl_mobility.scenario import Scenario, scenario_from_file, scenario_from_mapping
from kl_mobility.sweep import is_sweep_file, read_sweep, sweep_table

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
SWEEP_FILE = "sweep.csv"
"""Beside ``runs.csv`` when the batch holds sweep files: one row per grid point."""


_PRESENTATION = ("cli/", "batch.py", "sweep.py", "size.py", "sizepool.py", "report/html.py",
                 "report/plots.py", "report/gis.py", "report/basemap.py", "report/content.py",
                 "report/i18n.py", "report/maps.py", "report/paired.py", "report/units.py",
                 "report/fleetcurve.py", "report/interactive.py")
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
    """Identity of one run: hash of the resolved scenario content, the seed, the code and
    the dispatch policy's identity (:func:`~kl_mobility.dispatch.registry.policy_identity`:
    an outside policy's package version and a digest of its source files), so a run is
    repeated when an outside policy's code changes."""
    policy = policy_identity(scenario.dispatch.policy)
    blob = f"{scenario.content_hash()}|{seed}|{version}|{policy}"
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
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    """The run's files as bytes while they travel from a worker to the client (empty
    otherwise)."""


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
    runs. A sweep file (:mod:`kl_mobility.sweep`) stands for one scenario per grid point.
    Scenario names must be unique in a batch (they name the result folders)."""
    if not files:
        raise InputError("no scenario files given")
    version = version or code_version()
    seeds = list(seeds)
    batch_dir = Path(batch_dir)
    specs = []
    seen: dict[str, str] = {}
    for f in files:
        if is_sweep_file(f):  # a parameter grid: one scenario per point
            scenarios = [p.scenario for p in read_sweep(f).points]
        else:
            scenarios = [scenario_from_file(f)]
        for scenario in scenarios:
            if scenario.name in seen:
                raise InputError(f"{f}: scenario name '{scenario.name}' also used by "
                                 f"{seen[scenario.name]}; names must be unique in a batch")
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
    """``run.json`` of the finished run of ``spec`` when its key matches and its files are
    intact (every file of its manifest there with the recorded size and SHA-256), else
    ``None``; a damaged run is logged (it runs again)."""
    path = Path(spec.out_dir) / RUN_FILE
    if not path.is_file():
        return None
    info = _read_json(path)
    if info.get("key") != spec.key:
        return None
    files = info.get("files")
    if not isinstance(files, dict):
        log.warning("run %s seed %d in %s has no file manifest; running it again",
                    spec.scenario_name, spec.seed, spec.out_dir)
        return None
    problems = verify_manifest(spec.out_dir, files)
    if problems:
        log.warning("run %s seed %d in %s is damaged (%s); running it again",
                    spec.scenario_name, spec.seed, spec.out_dir, "; ".join(problems[:3]))
        return None
    return info


def _default_run(scenario: Scenario, seed: int, out_dir: Path, progress: Any = None):
    from kl_mobility.runner import run_scenario  # imported on the worker

    return run_scenario(scenario, seed, out_dir, progress=progress)


def _write_run(spec: RunSpec, run_fn: RunFunction, final: Path) -> tuple[dict[str, Any], float]:
    """Run ``spec`` into a staging folder that replaces ``final`` at the end (with
    ``run.json`` carrying the manifest of every other file); returns (run.json, seconds)."""
    t0 = time.perf_counter()
    with staged_dir(final, create=False) as tmp:
        scenario = scenario_from_mapping(spec.scenario_mapping, file=spec.scenario_file)
        kpis = dict(run_fn(scenario, spec.seed, tmp) or {})
        tmp.mkdir(parents=True, exist_ok=True)
        kpis = _add_co2(kpis, scenario, tmp)
        seconds = time.perf_counter() - t0
        info = _read_json(tmp / RUN_FILE)  # what the run function recorded, if anything
        info.update({"key": spec.key, "scenario": spec.scenario_name, "seed": spec.seed,
                     "code_version": spec.code_version, "scenario_file": spec.scenario_file,
                     "policy": policy_identity(scenario.dispatch.policy),
                     "seconds": seconds, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                     "host": socket.gethostname(), "kpis": json_safe(kpis)})
        write_json(tmp / SCENARIO_FILE, spec.scenario_mapping, indent=1)
        info["files"] = file_manifest(tmp, exclude=(RUN_FILE,))
        write_json(tmp / RUN_FILE, info, indent=1)
    return info, seconds


def _failure(spec: RunSpec, exc: BaseException, seconds: float) -> RunOutcome:
    tb = traceback.format_exc(limit=-3).strip().splitlines()
    err = f"{type(exc).__name__}: {exc}"
    detail = " | ".join(line.strip() for line in tb[-4:-1] if line.strip())
    return RunOutcome(spec.scenario_name, spec.seed, "failed", spec.key, spec.out_dir,
                      seconds, {}, f"{err} [{detail}]" if detail else err)


def execute_run(spec: RunSpec, run_fn: RunFunction | None = None, *,
                ship: bool = False) -> RunOutcome:
    """Run one spec (on a Dask worker) and record ``run.json`` with the manifest of the
    run's files.

    ``ship=False``: the run folder is written at ``spec.out_dir`` (the client's results
    folder, reachable from the worker: the same machine or a shared store).
    ``ship=True``: it is written into a temporary folder of the worker, read back and
    returned in the outcome's ``files`` (path -> bytes), then removed; the client writes
    it (:func:`store_shipped`). Never raises for a failing run: the error (type, message
    and traceback tail) is in the returned outcome.
    """
    run_fn = run_fn or _default_run
    t0 = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="kl-mobility-run-")) if ship else None
    try:
        final = scratch / "run" if scratch is not None else Path(spec.out_dir)
        info, seconds = _write_run(spec, run_fn, final)
        files = ({rel: (final / rel).read_bytes() for rel in (*info["files"], RUN_FILE)}
                 if scratch is not None else {})
        return RunOutcome(spec.scenario_name, spec.seed, "done", spec.key, spec.out_dir,
                          seconds, info["kpis"], files=files)
    except Exception as exc:  # noqa: BLE001 - a failed run is reported, the batch goes on
        return _failure(spec, exc, time.perf_counter() - t0)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def store_shipped(spec: RunSpec, outcome: RunOutcome) -> RunOutcome:
    """Write the files a worker shipped back (``execute_run(..., ship=True)``) into
    ``spec.out_dir`` atomically, check them against the run's manifest, and return the
    outcome without the bytes (``failed`` when they do not match)."""
    t0 = time.perf_counter()
    try:
        with staged_dir(spec.out_dir) as d:
            for rel, data in outcome.files.items():
                target = d / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            info = _read_json(d / RUN_FILE)
            problems = verify_manifest(d, info.get("files") or {}) if "files" in info else [
                "run.json without a file manifest"]
            if problems:
                raise OSError("the files received differ from the worker's manifest: "
                              + "; ".join(problems[:3]))
    except Exception as exc:  # noqa: BLE001 - reported as this run's failure
        return _failure(spec, exc, outcome.seconds + time.perf_counter() - t0)
    return dataclasses.replace(outcome, files={})


def _verify_done(spec: RunSpec, outcome: RunOutcome) -> RunOutcome:
    """A run a worker reported done, checked in the client's results folder: ``failed``
    unless its ``run.json`` is there with this key and every file matches its manifest."""
    if outcome.status != "done" or _finished(spec) is not None:
        return outcome
    return RunOutcome(spec.scenario_name, spec.seed, "failed", spec.key, spec.out_dir,
                      outcome.seconds, {},
                      f"the worker reported the run done, but {spec.out_dir} has no intact "
                      "copy of it (is the results folder shared with the workers? without "
                      "--shared-store the results travel back to the client)")


def _add_co2(kpis: dict[str, Any], scenario: Scenario, run_dir: Path) -> dict[str, Any]:
    """Add the ``co2_*`` figures of :func:`kl_mobility.emissions.co2_account` when the run
    wrote trips and vehicles tables and the run function did not report them itself."""
    if any(k.startswith("co2_") for k in kpis):
        return kpis
    from kl_mobility.report.summary import run_co2_kpis

    extra = run_co2_kpis(scenario, run_dir)
    return {**kpis, **extra}


_SCHEMES = ("tcp", "tls")
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


def check_scheduler_address(address: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a Dask scheduler address ``tcp://HOST:PORT`` or
    ``tls://HOST:PORT``; :class:`InputError` naming the address otherwise."""
    m = re.fullmatch(r"([a-z][a-z0-9+.-]*)://(\[[0-9a-fA-F:]+\]|[^:/\s\[\]]+):(\d{1,5})/?",
                     address.strip())
    if m is None:
        raise InputError(f"--scheduler {address!r}: expected tcp://HOST:PORT or "
                         "tls://HOST:PORT (the address a Dask scheduler prints)")
    scheme, host, port = m.group(1), m.group(2), int(m.group(3))
    if scheme not in _SCHEMES:
        raise InputError(f"--scheduler {address!r}: scheme {scheme}:// is not a Dask "
                         f"scheduler's; use tcp:// or tls://")
    if not 0 < port < 65536:
        raise InputError(f"--scheduler {address!r}: port {port} out of range 1-65535")
    return scheme, host, port


def tls_warning(address: str) -> str | None:
    """The warning for a scheduler on another machine reached without TLS (``None`` for
    ``tls://`` or a loopback address)."""
    scheme, host, _ = check_scheduler_address(address)
    if scheme == "tls" or host in _LOOPBACK or host.startswith("127."):
        return None
    return (f"the Dask scheduler {address} is reached without TLS: Dask exchanges pickled "
            "data with it, so whoever can reach it can run code on the workers and read or "
            "alter the runs; use tls:// with certificates outside a trusted network")


def connect_scheduler(address: str, *, timeout_s: float = 10.0) -> Any:
    """A ``dask.distributed.Client`` of the scheduler at ``address``, after checking the
    address (:func:`check_scheduler_address`), that something listens there, and that it
    answers as a Dask scheduler; :class:`InputError` in one line otherwise. Warns when a
    scheduler on another machine is reached without TLS."""
    import socket as _socket

    from dask.distributed import Client

    scheme, host, port = check_scheduler_address(address)
    try:
        with _socket.create_connection((host.strip("[]"), port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise InputError(f"--scheduler {address}: cannot reach {host}:{port} "
                         f"({exc.strerror or exc})") from None
    warning = tls_warning(address)
    if warning:
        log.warning("%s", warning)
    try:
        return Client(address, timeout=f"{timeout_s:g}s")
    except Exception as exc:  # noqa: BLE001 - whatever the handshake raises
        raise InputError(f"--scheduler {address}: {host}:{port} does not answer as a Dask "
                         f"scheduler ({type(exc).__name__})") from None


def _client(scheduler: str | None, workers: int | None, dashboard: bool = False):
    """A client of the scheduler at ``scheduler``, else of a new LocalCluster of
    ``workers`` processes bound to 127.0.0.1 (its dashboard, on a free loopback port, only
    with ``dashboard``)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return connect_scheduler(scheduler), None
    n = workers or os.cpu_count() or 1
    # the scheduler's HTTP server (health and metrics; the dashboard only when asked) on a
    # free loopback port, like every other listener of the cluster
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address="127.0.0.1:0",
                           scheduler_kwargs={"dashboard": dashboard},
                           silence_logs=logging.ERROR)
    if dashboard:
        log.warning("Dask dashboard of the batch: %s", cluster.dashboard_link)
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
    shared_store: bool = False,
    dashboard: bool = False,
) -> BatchResult:
    """Run every scenario file x seed; skip finished runs; write the batch tables.

    ``run_fn`` defaults to :func:`kl_mobility.runner.run_scenario`. ``scheduler`` is the
    address of an existing Dask scheduler; without it a LocalCluster of ``workers``
    processes (default: all cores) is started and closed again; an open
    ``dask.distributed.Client`` given as ``client`` is used as it is. ``on_outcome`` is called in
    this process as each run ends (the CLI prints failures there).

    Where results go: with a LocalCluster (or ``shared_store=True``: the results folder is
    the same path on every worker, a shared file system) the workers write the run folders
    into ``batch_dir`` themselves; otherwise (a ``scheduler`` or a ``client``) each run's
    files travel back to this process, which writes them. Either way this process checks
    every run it was promised in ``batch_dir`` (``run.json`` with the key and the manifest
    of its files) and counts a missing or damaged one as failed.

    ``batch_dir`` is locked for the duration (:class:`kl_mobility.io.FolderLock`): a second
    batch on the same folder stops with one line. A ``batch_dir`` holding files that
    kl-mobility did not write is refused.
    """
    batch_dir = Path(batch_dir).absolute()
    specs = plan_batch(files, seeds, batch_dir, version=version)
    sweeps = [read_sweep(f) for f in files if is_sweep_file(f)]
    result = run_specs(specs, batch_dir, run_fn=run_fn, scheduler=scheduler, workers=workers,
                       client=client, progress=progress, on_outcome=on_outcome,
                       shared_store=shared_store, dashboard=dashboard)
    if sweeps:
        import pandas as pd

        from kl_mobility.report.summary import write_atomic_csv

        write_atomic_csv(pd.DataFrame(sweep_table(sweeps)), batch_dir / SWEEP_FILE)
    return result


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
    shared_store: bool = False,
    dashboard: bool = False,
) -> BatchResult:
    """Run planned ``specs`` as :func:`run_batch` does (skipping finished, intact runs of
    the same key, on a Dask cluster; ``batch_dir`` checked and locked) and write the batch
    tables into ``batch_dir``. Callers that plan their own runs (the sensitivity analysis:
    one spec per sample) use it directly."""
    batch_dir = Path(batch_dir).absolute()
    if not specs:
        raise InputError("no runs planned")
    _check_batch_dir(batch_dir)
    with FolderLock(batch_dir, what="batch"):
        if not (batch_dir / MARKER).is_file():
            write_json(batch_dir / MARKER, {"written_by": "kl-mobility", "kind": "batch"})
        result = _run_specs(list(specs), batch_dir, run_fn=run_fn, scheduler=scheduler,
                            workers=workers, client=client, progress=progress,
                            on_outcome=on_outcome, shared_store=shared_store,
                            dashboard=dashboard)
        _write_batch_tables(result, specs[0].code_version)
    return result


def _check_batch_dir(batch_dir: Path) -> None:
    """Refuse a batch folder that holds files kl-mobility did not write. Accepted: a marked
    folder, an empty one, a batch of an earlier version (its ``batch.json``), or one of
    folders only (each run folder inside is protected by its own marker)."""
    if batch_dir.is_dir() and not batch_dir.is_symlink() and not (batch_dir / MARKER).is_file():
        entries = [p for p in batch_dir.iterdir() if p.name != LOCK_NAME]
        old = _read_json(batch_dir / "batch.json")
        ours = ("code_version" in old and "runs" in old) or all(
            p.is_dir() and not p.is_symlink() for p in entries)
        if entries and ours:
            write_json(batch_dir / MARKER, {"written_by": "kl-mobility", "kind": "batch"})
    check_output_dir(batch_dir, what="batch folder")


def _run_specs(specs: list[RunSpec], batch_dir: Path, *, run_fn: RunFunction | None,
               scheduler: str | None, workers: int | None, client: Any,
               progress: ProgressCallback | None,
               on_outcome: Callable[[RunOutcome], None] | None, shared_store: bool,
               dashboard: bool) -> BatchResult:
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
    if todo:
        from dask.distributed import as_completed

        own = client is None
        cluster = None
        ship = (client is not None or scheduler is not None) and not shared_store
        if own:
            client, cluster = _client(scheduler, workers, dashboard)
        try:
            futures = {client.submit(execute_run, specs[i], run_fn, ship=ship, pure=False,
                                     key=f"run-{specs[i].scenario_name}-{specs[i].seed}-"
                                     f"{uuid.uuid4().hex[:6]}"): i for i in todo}
            for fut in as_completed(futures):
                i = futures[fut]
                spec = specs[i]
                try:
                    outcome = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker died
                    outcome = RunOutcome(spec.scenario_name, spec.seed, "failed", spec.key,
                                         spec.out_dir, 0.0, {}, f"{type(exc).__name__}: {exc}")
                fut.release()
                if outcome.status == "done" and ship:
                    outcome = store_shipped(spec, outcome)
                outcome = _verify_done(spec, outcome)
                outcomes[i] = outcome
                if on_outcome is not None:
                    on_outcome(outcome)
                report(progress, "runs", len(outcomes), total)
        finally:
            if own:
                client.close()
                if cluster is not None:
                    cluster.close()
    return BatchResult(batch_dir, tuple(outcomes[i] for i in range(total)))


def _write_batch_tables(result: BatchResult, version: str) -> None:
    from kl_mobility.report.summary import collect_runs, summarize, write_atomic_csv

    batch_json = {"code_version": version, "counts": result.counts(),
                  "runs": [{k: v for k, v in asdict(o).items() if k != "files"}
                           for o in result.outcomes]}
    write_json(result.batch_dir / "batch.json", batch_json, indent=1)
    runs = collect_runs(result.batch_dir)
    write_atomic_csv(runs, result.batch_dir / "runs.csv")
    write_atomic_csv(summarize(runs), result.batch_dir / "summary.csv")
    from kl_mobility.results.districts import WHO_GAINS_TABLES, collect_who_gains, mean_over_seeds

    for name in WHO_GAINS_TABLES:
        stacked = collect_who_gains(result.batch_dir, name)
        if len(stacked):
            write_atomic_csv(stacked, result.batch_dir / f"{name}_runs.csv")
            write_atomic_csv(mean_over_seeds(stacked), result.batch_dir / f"{name}.csv")
