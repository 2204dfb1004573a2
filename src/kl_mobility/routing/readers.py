"""Readers for the public pickup-and-delivery benchmark formats.

- Cordeau (2006) dial-a-ride instances (``a2-16`` ... ``b2-20``): header ``K X T Q L`` and
  one node per line ``id x y service load tw_earliest tw_latest``. Traps handled here: ``X``
  is ``2n`` in most files but ``n`` in some (``n`` is derived from the node lines); the
  end-depot line (id ``2n+1``) is optional (else the end depot is node 0); tabs and spaces
  mix; CRLF line endings.
- Li & Lim (2001) PDPTW instances (``lc101`` ...): header ``K Q S`` and one task per line
  ``id x y demand earliest latest service pickup_sibling delivery_sibling``, tab separated.

Both use Euclidean distances (double precision) with travel time equal to distance.
Sources and conventions: ``../shared/benchmarks/SOURCE.md``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from kl_mobility.errors import InputError
from kl_mobility.routing.types import RoutingProblem

__all__ = [
    "BenchmarkInstance",
    "InstanceFormatError",
    "read_bks",
    "read_cordeau",
    "read_instance",
    "read_li_lim",
]

Kind = Literal["darp", "pdptw"]


class InstanceFormatError(InputError):
    """A benchmark instance file that does not follow its format."""


@dataclass(frozen=True, eq=False)
class BenchmarkInstance:
    """A benchmark problem with its format (``darp``: Cordeau, ``pdptw``: Li & Lim)."""

    name: str
    kind: Kind
    problem: RoutingProblem
    xy: np.ndarray


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise InstanceFormatError(f"{path}: cannot read: {exc.strerror}") from exc
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):  # handles CRLF
        fields = line.split()  # tabs and spaces alike
        if fields:
            out.append((lineno, fields))
    if not out:
        raise InstanceFormatError(f"{path}: empty file")
    return out


def _numbers(path: Path, lineno: int, fields: list[str], count: int, what: str) -> list[float]:
    if len(fields) < count:
        raise InstanceFormatError(f"{path}:{lineno}: expected {count} fields ({what}), "
                                  f"got {len(fields)}")
    try:
        return [float(f) for f in fields[:count]]
    except ValueError as exc:
        raise InstanceFormatError(f"{path}:{lineno}: not a number in {fields!r}") from exc


def _euclid(xy: np.ndarray) -> np.ndarray:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def read_cordeau(path: str | Path) -> BenchmarkInstance:
    """Read a Cordeau (2006) DARP instance; objective: total distance, all requests served."""
    path = Path(path)
    rows = _rows(path)
    lineno, head = rows[0]
    k, _x, t_max, q, ride = _numbers(path, lineno, head, 5, "K X T Q L")
    nodes = [(ln, _numbers(path, ln, f, 7, "id x y service load early late")) for ln, f in rows[1:]]
    for i, (ln, vals) in enumerate(nodes):
        if int(vals[0]) != i:
            raise InstanceFormatError(f"{path}:{ln}: node id {int(vals[0])}, expected {i}")
    n = sum(1 for _, v in nodes if v[4] > 0)
    if len(nodes) not in (2 * n + 1, 2 * n + 2):
        raise InstanceFormatError(f"{path}: {len(nodes)} node lines for {n} requests "
                                  f"(expected {2 * n + 1} or {2 * n + 2})")
    arr = np.array([v for _, v in nodes])
    for i in range(1, n + 1):
        if arr[i, 4] <= 0 or arr[n + i, 4] != -arr[i, 4]:
            raise InstanceFormatError(f"{path}:{nodes[n + i][0]}: load of drop-off {n + i} must "
                                      f"be minus the load of pickup {i}")
    end = 2 * n + 1 if len(nodes) == 2 * n + 2 else 0
    xy = arr[:, 1:3]
    d = _euclid(xy)
    problem = RoutingProblem(
        time=d, dist=d, service=arr[:, 3], load=arr[:, 4].astype(np.int64),
        tw_early=arr[:, 5], tw_late=arr[:, 6],
        pickups=np.arange(1, n + 1), deliveries=np.arange(n + 1, 2 * n + 1),
        max_ride=ride, n_vehicles=int(k), capacity=int(q), start=0, end=end,
        max_duration=t_max, name=path.stem,
    )
    return BenchmarkInstance(name=path.stem, kind="darp", problem=problem, xy=xy)


def read_li_lim(path: str | Path) -> BenchmarkInstance:
    """Read a Li & Lim (2001) PDPTW instance.

    The hierarchical objective (fewest vehicles, then distance) is modelled by a fixed cost
    per vehicle larger than any possible total distance: ``(N + 2K) * max arc``.
    """
    path = Path(path)
    rows = _rows(path)
    lineno, head = rows[0]
    k, q, _speed = _numbers(path, lineno, head, 3, "K Q S")
    tasks = [(ln, _numbers(path, ln, f, 9, "id x y demand early late service p d"))
             for ln, f in rows[1:]]
    for i, (ln, vals) in enumerate(tasks):
        if int(vals[0]) != i:
            raise InstanceFormatError(f"{path}:{ln}: task id {int(vals[0])}, expected {i}")
    arr = np.array([v for _, v in tasks])
    n_loc = arr.shape[0]
    pickups, deliveries = [], []
    for i in range(1, n_loc):
        ln = tasks[i][0]
        dem, psib, dsib = arr[i, 3], int(arr[i, 7]), int(arr[i, 8])
        if dem > 0:
            if not 0 < dsib < n_loc or int(arr[dsib, 7]) != i or arr[dsib, 3] != -dem:
                raise InstanceFormatError(f"{path}:{ln}: pickup {i} names delivery {dsib}, "
                                          "which does not name it back with demand "
                                          f"{-dem:g}")
            pickups.append(i)
            deliveries.append(dsib)
        elif dem < 0:
            if not 0 < psib < n_loc or int(arr[psib, 8]) != i:
                raise InstanceFormatError(f"{path}:{ln}: delivery {i} names pickup {psib}, "
                                          "which does not name it back")
        else:
            raise InstanceFormatError(f"{path}:{ln}: task {i} has demand 0")
    xy = arr[:, 1:3]
    d = _euclid(xy)
    fixed = float(np.ceil((n_loc + 2 * k) * d.max()))
    problem = RoutingProblem(
        time=d, dist=d, service=arr[:, 6], load=arr[:, 3].astype(np.int64),
        tw_early=arr[:, 4], tw_late=arr[:, 5], pickups=pickups, deliveries=deliveries,
        max_ride=np.inf, n_vehicles=int(k), capacity=int(q), start=0, end=0,
        max_duration=np.inf, fixed_cost=fixed, name=path.stem,
    )
    return BenchmarkInstance(name=path.stem, kind="pdptw", problem=problem, xy=xy)


def read_instance(path: str | Path) -> BenchmarkInstance:
    """Read either format, told apart by the header (5 fields: Cordeau, 3: Li & Lim)."""
    path = Path(path)
    rows = _rows(path)
    n_head = len(rows[0][1])
    if n_head == 5:
        return read_cordeau(path)
    if n_head == 3:
        return read_li_lim(path)
    raise InstanceFormatError(f"{path}:{rows[0][0]}: header has {n_head} fields; expected 5 "
                              "(Cordeau 'K X T Q L') or 3 (Li & Lim 'K Q S')")


def read_bks(path: str | Path) -> dict[str, tuple[int | None, float]]:
    """Best-known values from a ``bks.csv``: instance -> (vehicles or None, objective).

    Accepts the DARP layout (``instance,value,...``) and the Li & Lim layout
    (``...,instance,...,routes,distance,...``).
    """
    path = Path(path)
    out: dict[str, tuple[int | None, float]] = {}
    try:
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            for lineno, row in enumerate(reader, start=2):
                try:
                    if "value" in row:
                        out[row["instance"]] = (None, float(row["value"]))
                    else:
                        out[row["instance"]] = (int(row["routes"]), float(row["distance"]))
                except (KeyError, TypeError, ValueError) as exc:
                    raise InstanceFormatError(f"{path}:{lineno}: bad best-known row") from exc
    except OSError as exc:
        raise InstanceFormatError(f"{path}: cannot read: {exc.strerror}") from exc
    return out
