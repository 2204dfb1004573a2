"""The sizes of one fleet-size search evaluated in worker processes (``kl-mobility size
--workers N``).

Every size is evaluated in a process forked from this one for that size alone, so it
starts from this process's state: the prepared network, tables, compiled kernels and
whatever the first size prepared for the others (the first demand round, the city-wide
reference; :func:`kl_mobility.size.evaluate_size`). The first size is evaluated here, the
others in up to ``N`` workers at once; each row is its worker's, its ``cpu_s`` that
worker's CPU seconds for the size.

What runs is decided by replaying the sequential search (:class:`kl_mobility.size.
SearchPlan`) on the outcomes known so far: the size it asks for next, then the sizes it
would ask for with the pending outcomes met or not (:meth:`~kl_mobility.size.SearchPlan.
chances`), likeliest first: a size needed whatever the pending outcomes are (the spread
points once the largest size is known) before one that is needed only if an outcome goes
one way. A worker evaluating a size the search no longer reaches is stopped when its slot
is needed. The rows are those of the sizes the sequential search asks for, whatever the
order the workers finish in; the others are reported as discarded.

Forked workers cannot use numba's GNU OpenMP threads once this process has started them
(the worker would abort); :func:`fork_safe_threads` chooses a fork-safe threading layer
when no parallel kernel has run yet (the kernels' results do not depend on the layer: each
parallel loop's iterations write their own outputs), and the sizes are evaluated here one
after the other, with a warning, when OpenMP runs already.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from kl_mobility.errors import InputError
from kl_mobility.progress import ProgressCallback, report

__all__ = ["LOOKAHEAD", "evaluate_parallel", "fork_available", "fork_safe_threads",
           "parallel_ok"]

log = logging.getLogger(__name__)

LOOKAHEAD = 6
"""Unknown outcomes the scheduler looks ahead over (``2**LOOKAHEAD`` replays of the search,
each a few steps of integer arithmetic)."""


def fork_available() -> bool:
    """Whether this platform starts processes by ``fork`` (Linux does)."""
    return "fork" in multiprocessing.get_all_start_methods()


def fork_safe_threads() -> bool:
    """Whether a process forked from this one can run numba's parallel kernels: ``True``
    when no parallel kernel has run here yet (numba is then told to start a fork-safe
    threading layer, unless one was chosen explicitly) or the layer running is fork-safe;
    ``False`` when GNU OpenMP runs (a forked child starting a parallel kernel aborts)."""
    import numba

    config: Any = numba.config
    try:
        layer: str = numba.threading_layer()
    except ValueError:  # no parallel kernel has run in this process yet
        if config.THREADING_LAYER == "default":
            config.THREADING_LAYER = "forksafe"
            return True
        return str(config.THREADING_LAYER) in ("forksafe", "safe", "tbb", "workqueue")
    if layer == "omp":
        from numba.np.ufunc import omppool  # type: ignore[attr-defined]

        return getattr(omppool, "openmp_vendor", "GNU") != "GNU"
    return True


@dataclass
class _Job:
    size: int
    process: Any
    conn: Connection


def _work(conn: Connection, evaluate: Callable[[int], dict[str, Any]], n: int) -> None:
    """A worker's body: one size's row (or its error) down the pipe."""
    try:
        out: tuple[bool, Any] = (True, dict(evaluate(n)))
    except BaseException as exc:  # noqa: BLE001 - travels to the parent, raised there
        out = (False, exc)
    try:
        try:
            conn.send(out)
        except (pickle.PicklingError, TypeError, AttributeError):
            conn.send((False, RuntimeError(f"{type(out[1]).__name__}: {out[1]}")))
    finally:
        conn.close()


def parallel_ok() -> bool:
    """Whether sizes can be evaluated in forked workers here: an
    :class:`~kl_mobility.errors.InputError` without ``fork``; ``False`` (with a warning) when
    numba's GNU OpenMP threads already run in this process, so the caller evaluates the
    sizes itself, one after the other."""
    if not fork_available():
        raise InputError("--workers above 1 needs worker processes started by fork, which "
                         "this platform does not offer; use --workers 1")
    if not fork_safe_threads():
        log.warning("--workers: numba's GNU OpenMP threads already run in this process and "
                    "a forked worker could not use them; evaluating the sizes here, one "
                    "after the other")
        return False
    return True


def evaluate_parallel(evaluate: Callable[[int], dict[str, Any]],
                      worker_evaluate: Callable[[int], dict[str, Any]], target: Any,
                      plan: Any, *, workers: int,
                      progress: ProgressCallback | None = None,
                      ) -> tuple[dict[int, dict[str, Any]], tuple[int, ...]]:
    """The rows of the sizes ``plan`` (a :class:`kl_mobility.size.SearchPlan`) asks for,
    each with ``meets_target`` by ``target`` (a :class:`~kl_mobility.size.SizeTarget`); the first
    evaluated here by ``evaluate``, the others by ``worker_evaluate`` in up to ``workers``
    forked processes at once (module docstring), and the sizes evaluated or started ahead
    that the search did not reach. An error of a size the search reaches is raised here.
    Call only when :func:`parallel_ok` says so."""
    mp = multiprocessing.get_context("fork")
    results: dict[int, dict[str, Any]] = {}
    failed: dict[int, BaseException] = {}
    stopped: set[int] = set()
    jobs: dict[int, _Job] = {}

    def start(n: int) -> None:
        recv, send = mp.Pipe(duplex=False)
        proc = mp.Process(target=_work, args=(send, worker_evaluate, n), daemon=True,
                          name=f"kl-mobility-size-{n}")
        proc.start()
        send.close()
        jobs[n] = _Job(n, proc, recv)

    def stop(n: int) -> None:
        job = jobs.pop(n)
        job.process.terminate()
        job.process.join()
        job.conn.close()
        stopped.add(n)

    def record(n: int, row: dict[str, Any]) -> None:
        row["meets_target"] = int(target.met(row))
        results[n] = row

    try:
        while True:
            known = {n: bool(r["meets_target"]) for n, r in results.items()}
            state = plan.replay(known)
            if state.next is None:
                break
            if state.next in failed:
                raise failed[state.next]
            chances = {n: p for n, p in plan.chances(known, LOOKAHEAD).items()
                       if n not in failed}
            done = len(state.sizes) - 1
            report(progress, "fleet sizes", done,
                   done + sum(1 for p in chances.values() if p >= 1.0))
            if not results:  # the first size here: the workers inherit what it prepares
                for n in _ranked(chances, jobs, exclude=state.next)[:workers - 1]:
                    start(n)
                record(state.next, dict(evaluate(state.next)))
                continue
            _schedule(chances, jobs, workers, start, stop)
            if not jobs:  # pragma: no cover - the size asked for next always runs
                raise RuntimeError(f"no worker evaluates {state.next} vehicles")
            _collect(jobs, wait([job.conn for job in jobs.values()]), record, failed)
    finally:
        for n in list(jobs):
            stop(n)
    sizes = set(state.sizes)
    report(progress, "fleet sizes", len(sizes), len(sizes))
    rows = {n: results[n] for n in state.sizes}
    discarded = tuple(sorted((results.keys() | failed.keys() | stopped) - sizes))
    return rows, discarded


def _collect(jobs: dict[int, _Job], ready: list[Any],
             record: Callable[[int, dict[str, Any]], None],
             failed: dict[int, BaseException]) -> None:
    """The rows (or errors) of the finished ``jobs`` whose pipes are ``ready``."""
    for job in [j for j in list(jobs.values()) if j.conn in ready]:
        try:
            ok, payload = job.conn.recv()
        except EOFError:
            ok, payload = False, RuntimeError(
                f"the worker evaluating {job.size} vehicles ended without a result "
                f"(exit code {job.process.exitcode})")
        job.process.join()
        job.conn.close()
        del jobs[job.size]
        if ok:
            record(job.size, payload)
        else:
            failed[job.size] = payload


def _ranked(chances: dict[int, float], jobs: dict[int, _Job], *,
            exclude: int | None = None) -> list[int]:
    """Sizes by their chance to be needed, then running before not running, then in the
    order the search would reach them; chance 0 left out."""
    order = {n: k for k, n in enumerate(chances)}
    return sorted((n for n, p in chances.items() if p > 0 and n != exclude),
                  key=lambda n: (-chances[n], n not in jobs, order[n]))


def _schedule(chances: dict[int, float], jobs: dict[int, _Job], workers: int,
              start: Callable[[int], None], stop: Callable[[int], None]) -> None:
    """Fill the free workers with the likeliest sizes not running; stop a running size the
    search no longer reaches within the look-ahead, or one less likely than a size that is
    needed for sure and waits for a worker."""
    for n in [n for n in jobs if chances.get(n, 0.0) <= 0.0]:
        stop(n)
    wanted = _ranked(chances, jobs)[:workers]
    for n in wanted:
        if n in jobs:
            continue
        if len(jobs) >= workers:
            spare = sorted((m for m in jobs if m not in wanted), key=lambda m: chances[m])
            if not spare or chances[n] < 1.0:
                continue
            stop(spare[0])
        start(n)
