"""Parameter grids over a scenario (sweeps): every combination of the values is one
scenario of a batch, run with its demand rounds like any other.

A sweep file is a TOML file with one ``[sweep]`` table::

    [sweep]
    scenario = "../scenarios/pooling-citywide.toml"   # relative to this file
    name = "pooling-grid"                              # optional; default: the file's stem

    [sweep.grid]
    "fleet.pooling-van.count" = [20, 40, 60]
    "service.end_s" = [79200, 86400]
    "service.max_wait_s" = [300, 600, 900]

Each grid key is a dotted scenario key: ``SECTION.KEY`` (``service.max_wait_s``,
``demand.scale``, ``dispatch.policy``, ...) or ``fleet.TYPE.KEY`` for the vehicle type
named ``TYPE`` in the scenario's ``[[fleet]]``. Its value is a non-empty array of values.
The points are the Cartesian product in the order the keys are written (the last key
varies fastest); point ``k`` is the scenario with those values set after its ``extends``
are resolved, validated like a scenario file, and named
``<name>_<key>-<value>_<key>-<value>...`` (its result folder in the batch). A bad key or
value stops before anything runs, with one line naming the file and the grid key.

``kl-mobility batch SWEEP.toml`` runs every point x seed (resumable and distributed like
every batch; a changed point runs again, an unchanged one is skipped) and writes
``sweep.csv`` beside ``runs.csv``: one row per point with its grid values.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kl_mobility.config import ConfigError
from kl_mobility.scenario import (
    Scenario,
    resolve_scenario_mapping,
    scenario_from_mapping,
    with_calibration_base,
)
from kl_mobility.sim.config import VehicleTypeConfig

__all__ = ["Sweep", "SweepPoint", "apply_setting", "is_sweep_file", "read_sweep",
           "sweep_table"]

SWEEP_TABLE = "sweep"
_SWEEP_KEYS = ("grid", "name", "scenario")
_NAME_PART = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class SweepPoint:
    """One grid point: its scenario (named after its values) and the values by grid key."""

    name: str
    scenario: Scenario
    values: dict[str, Any]


@dataclass(frozen=True)
class Sweep:
    """A read sweep file: its name, base scenario file, grid keys and points in order."""

    file: Path
    name: str
    scenario_file: Path
    keys: tuple[str, ...]
    points: tuple[SweepPoint, ...]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("file not found", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", file=path) from None


def is_sweep_file(path: str | Path) -> bool:
    """Whether ``path`` is a TOML file with a top-level ``[sweep]`` table (a scenario file
    has none; an unreadable file is left to the scenario reader's error)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data.get(SWEEP_TABLE), dict)


def _scalar(v: Any) -> bool:
    return isinstance(v, bool | int | float | str)


def apply_setting(mapping: dict[str, Any], key: str, value: Any, *, file: Path,
                  where: str) -> dict[str, Any]:
    """A copy of the resolved scenario ``mapping`` with the dotted ``key`` set to
    ``value`` (``SECTION.KEY`` or ``fleet.TYPE.KEY``); :class:`ConfigError` naming
    ``where`` (the key as the user wrote it) for a section, type or key that does not
    exist."""
    from kl_mobility.scenario import _check_keys

    parts = key.split(".")
    out = dict(mapping)
    if parts[0] == "fleet":
        if len(parts) != 3:
            raise ConfigError("a fleet key is fleet.TYPE.KEY (e.g. fleet.van.count)",
                              file=file, key=where)
        _, vtype, field = parts
        fleet = [dict(v) for v in out.get("fleet", [])]
        names = [str(v.get("name")) for v in fleet]
        if vtype not in names:
            raise ConfigError(f"the scenario has no vehicle type {vtype!r}; its types are: "
                              f"{', '.join(names) or '(none)'}", file=file, key=where)
        valid = sorted(f.name for f in dataclasses.fields(VehicleTypeConfig) if f.init)
        if field not in valid or field == "name":
            raise ConfigError(f"unknown vehicle-type key {field!r}; valid keys are: "
                              f"{', '.join(k for k in valid if k != 'name')}", file=file,
                              key=where)
        fleet[names.index(vtype)][field] = value
        out["fleet"] = fleet
        return out
    if len(parts) != 2:
        raise ConfigError("a grid key is SECTION.KEY (e.g. service.max_wait_s) or "
                          "fleet.TYPE.KEY", file=file, key=where)
    section, field = parts
    try:
        _check_keys(Scenario, {section: {field: value}}, file, "")
    except ConfigError as exc:
        raise ConfigError(f"not a scenario key: {exc.key}: {_core(exc)}", file=file,
                          key=where) from None
    sub = out.get(section)
    if sub is not None and not isinstance(sub, dict):
        raise ConfigError(f"[{section}] is not a table in the scenario", file=file, key=where)
    out[section] = {**(sub or {}), field: value}
    return out


def _core(exc: ConfigError) -> str:
    """The message of ``exc`` without its file and key prefix."""
    text = str(exc)
    where = [w for w in (exc.file, f"key '{exc.key}'" if exc.key else None) if w]
    prefix = ": ".join(where) + ": " if where else ""
    return text[len(prefix):] if text.startswith(prefix) else text


def _value_label(v: Any) -> str:
    return _NAME_PART.sub("-", str(v).lower() if isinstance(v, bool) else str(v))


def _grid_key(inner: str | None, keys: tuple[str, ...]) -> str:
    """The grid key behind a scenario key an error names (``fleet[i].x`` matches any
    ``fleet.TYPE.x``), else ``sweep.grid``."""
    if inner:
        for k in keys:
            parts = k.split(".")
            if inner == k or (parts[0] == "fleet" and inner.startswith("fleet[")
                              and inner.endswith("." + parts[-1])):
                return f"sweep.grid.{k}"
    return "sweep.grid"


def _header(path: Path) -> tuple[Path, str, dict[str, list[Any]]]:
    """``(base scenario file, name, grid)`` of the sweep file ``path``, checked."""
    data = _read_toml(path)
    table = data.get(SWEEP_TABLE)
    if not isinstance(table, dict):
        raise ConfigError("expected a [sweep] table", file=path, key=SWEEP_TABLE)
    extra = sorted(set(data) - {SWEEP_TABLE})
    if extra:
        raise ConfigError(f"unknown top-level key; a sweep file holds only [sweep] "
                          f"(found {', '.join(extra)})", file=path, key=extra[0])
    for k in table:
        if k not in _SWEEP_KEYS:
            raise ConfigError(f"unknown key; valid keys here are: {', '.join(_SWEEP_KEYS)}",
                              file=path, key=f"sweep.{k}")
    ref = table.get("scenario")
    if not isinstance(ref, str) or not ref:
        raise ConfigError("expected the scenario file to vary (a path relative to this "
                          "file)", file=path, key="sweep.scenario")
    base_file = path.parent / ref
    if not base_file.is_file():
        raise ConfigError(f"scenario {base_file} not found", file=path, key="sweep.scenario")
    name = table.get("name", path.stem)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise ConfigError(f"expected letters, digits, '.', '_' or '-' (it names result "
                          f"folders), got {name!r}", file=path, key="sweep.name")
    grid = table.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise ConfigError("expected a table of grid keys, each with an array of values",
                          file=path, key="sweep.grid")
    for k, vals in grid.items():
        where = f"sweep.grid.{k}"
        if not isinstance(vals, list) or not vals or not all(_scalar(v) for v in vals):
            raise ConfigError("expected a non-empty array of numbers, strings or booleans",
                              file=path, key=where)
        if len({repr(v) for v in vals}) != len(vals):
            raise ConfigError(f"a value appears twice in {vals}", file=path, key=where)
    return base_file, name, grid


def _point(path: Path, base_file: Path, base: dict[str, Any], name: str,
           values: dict[str, Any]) -> SweepPoint:
    """The grid point with ``values`` (by grid key) of the resolved scenario ``base``."""
    keys = tuple(values)
    mapping = dict(base)
    for k, v in values.items():
        mapping = apply_setting(mapping, k, v, file=path, where=f"sweep.grid.{k}")
    mapping["name"] = name
    try:
        scenario = scenario_from_mapping(mapping, file=path)
    except ConfigError as exc:
        raise ConfigError(f"the point {values} is not a valid scenario: key "
                          f"'{exc.key}': {_core(exc)}", file=path,
                          key=_grid_key(exc.key, keys)) from None
    except ValueError as exc:
        raise ConfigError(f"the point {values} is not a valid scenario: {exc}",
                          file=path, key="sweep.grid") from None
    scenario = with_calibration_base(scenario, base_file)
    if scenario.demand.requests_from_scenario:
        raise ConfigError("a sweep cannot vary a scenario that takes its requests from "
                          "another scenario (demand.requests_from_scenario)", file=path,
                          key="sweep.scenario")
    return SweepPoint(name, scenario, values)


def read_sweep(path: str | Path) -> Sweep:
    """Read and expand a sweep file (module docstring): every point's scenario is built
    and validated here, so a bad key or value stops before anything runs."""
    path = Path(path)
    base_file, name, grid = _header(path)
    keys = tuple(grid)
    base = resolve_scenario_mapping(base_file)
    for k in keys:  # the key itself, checked once with its first value
        apply_setting(base, k, grid[k][0], file=path, where=f"sweep.grid.{k}")
    points = []
    names: set[str] = set()
    for combo in itertools.product(*(grid[k] for k in keys)):
        values = dict(zip(keys, combo, strict=True))
        pname = name + "".join(f"_{k}-{_value_label(v)}" for k, v in values.items())
        if pname in names:
            raise ConfigError(f"two points would share the result folder {pname!r} "
                              "(values that differ only in characters a folder name cannot "
                              "hold)", file=path, key="sweep.grid")
        names.add(pname)
        points.append(_point(path, base_file, base, pname, values))
    return Sweep(path, name, base_file, keys, tuple(points))


def sweep_table(sweeps: list[Sweep]) -> list[dict[str, Any]]:
    """One row per point of ``sweeps``: ``sweep``, ``scenario`` (the point's name, as in
    ``runs.csv``) and one column per grid key with the point's value."""
    rows = []
    for sw in sweeps:
        for p in sw.points:
            rows.append({"sweep": sw.name, "scenario": p.name, **p.values})
    return rows
