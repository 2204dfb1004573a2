"""Scenario files: TOML read into frozen, validating dataclasses.

A scenario composes the sections owned by the packages below it (network, demand, service,
fleet, dispatch, emissions, costs, outputs, pt, feeder); ``scenarios/README.md`` documents every key.

``extends = "other.toml"`` or ``extends = ["a.toml", "b.toml"]`` (relative to the file)
loads base scenarios first, merged in order; the extending file overrides only the keys it
gives. Tables are merged key by key; the ``fleet`` array of tables is merged by vehicle
type ``name`` (a type of the same name is updated key by key, a new name is appended, and
``count = 0`` switches a type off); other arrays and values replace. ``name`` and
``description`` are never inherited.

Every problem is one :class:`~kl_mobility.config.ConfigError` naming the file, the dotted
key and what is allowed; a misspelt key also suggests the closest valid key (and points out
a unit suffix that differs, e.g. ``max_wait_min`` -> ``max_wait_s``).
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from kl_mobility.config import (
    ConfigError,
    check_finite_fields,
    check_range,
    from_mapping,
    to_mapping,
)
from kl_mobility.demand.config import DemandConfig
from kl_mobility.dispatch.config import DispatchConfig
from kl_mobility.economics import CostsConfig
from kl_mobility.emissions import EmissionsConfig
from kl_mobility.network.config import NetworkConfig
from kl_mobility.pt.config import PtConfig
from kl_mobility.pt.feederconfig import FeederConfig
from kl_mobility.results.config import OutputConfig
from kl_mobility.service import ServiceConfig
from kl_mobility.sim.config import VehicleTypeConfig

__all__ = [
    "DEFAULT_SCENARIO",
    "CalibrationBase",
    "Scenario",
    "default_scenario_path",
    "resolve_scenario_mapping",
    "scenario_from_file",
    "scenario_from_mapping",
    "with_calibration_base",
]

DEFAULT_SCENARIO = "klima-plus-2030"
"""Name of the default scenario (``scenarios/klima-plus-2030.toml``)."""

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

_UNIT_SUFFIXES = ("_s", "_min", "_h", "_m", "_km", "_kmh", "_kwh", "_l", "_g", "_kg", "_pct")


def default_scenario_path(root: str | Path | None = None) -> Path:
    """Path of the default scenario file under ``root`` (default: the repository)."""
    base = Path(root) if root is not None else Path(__file__).resolve().parents[2]
    return base / "scenarios" / f"{DEFAULT_SCENARIO}.toml"


@dataclass(frozen=True)
class CalibrationBase:
    """The reference case whose mode-choice constants a scenario uses (pivot point).

    Filled in by :func:`scenario_from_file` from ``demand.calibration_scenario`` (its name,
    network and demand sections), so the resolved scenario (``scenario.json`` of a run, the
    batch key) says what it was calibrated on; the constants themselves are computed by
    :func:`kl_mobility.calibration.scenario_calibration`.
    """

    name: str
    network: NetworkConfig = field(default_factory=NetworkConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    pt: PtConfig = field(default_factory=PtConfig)
    """The reference case's public transport (its timetable prices the bus in the mode
    choice when ``pt.mode_choice = "router"``)."""
    bus_drivetrain: str = "diesel"
    """The reference case's buses (``emissions.bus_drivetrain``): the bus CO2 of the
    reference side is its feed's bus-km at this drivetrain's factor (the other emission
    parameters are the scenario's own, so a sensitivity run varies both sides alike)."""


@dataclass(frozen=True)
class Scenario:
    """One complete scenario. ``seed`` is the default seed when none is given on the CLI."""

    name: str
    description: str = ""
    seed: int = 0
    network: NetworkConfig = field(default_factory=NetworkConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    fleet: tuple[VehicleTypeConfig, ...] = ()
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    emissions: EmissionsConfig = field(default_factory=EmissionsConfig)
    costs: CostsConfig = field(default_factory=CostsConfig)
    outputs: OutputConfig = field(default_factory=OutputConfig)
    pt: PtConfig = field(default_factory=PtConfig)
    """Public transport feed and routing (``[pt]``)."""
    feeder: FeederConfig = field(default_factory=FeederConfig)
    """Feeder rides to and from public transport and the rail passengers who may take
    them (``[feeder]``, :mod:`kl_mobility.pt.feeder`)."""
    calibration_base: CalibrationBase | None = None
    """The reference case of ``demand.calibration = "baseline"`` (see
    :class:`CalibrationBase`); ``None``: the scenario itself without its measures."""
    requests_source: Scenario | None = None
    """The scenario of ``demand.requests_from_scenario``, filled in when a file is read:
    its settled requests are this scenario's demand."""

    def __post_init__(self) -> None:
        check_finite_fields(self)
        if not _NAME_RE.fullmatch(self.name):
            raise ValueError(f"name must be letters, digits, '.', '_' or '-' (it names result "
                             f"folders), got {self.name!r}")
        check_range("seed", self.seed, 0, 2**63 - 1)
        names = [v.name for v in self.fleet]
        if len(set(names)) != len(names):
            raise ValueError(f"fleet vehicle type names must be unique, got {names}")

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read a scenario TOML file (following ``extends``)."""
        return scenario_from_file(path)

    def to_mapping(self) -> dict[str, Any]:
        """Plain nested dict of every value (for hashing and for writing beside results)."""
        return to_mapping(self)

    def content_hash(self) -> str:
        """Hex digest of the fully resolved scenario content (independent of file layout)."""
        blob = json.dumps(self.to_mapping(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _merge_fleet(base: list[Any], over: list[Any]) -> list[Any]:
    out = list(base)
    index = {v.get("name"): i for i, v in enumerate(out) if isinstance(v, Mapping)}
    for v in over:
        name = v.get("name") if isinstance(v, Mapping) else None
        if name is not None and name in index and isinstance(out[index[name]], Mapping):
            out[index[name]] = _merge(out[index[name]], v)
        else:
            index[name] = len(out)
            out.append(v)
    return out


def _merge(base: Mapping[str, Any], over: Mapping[str, Any], *, top: bool = False) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        elif top and k == "fleet" and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_fleet(out[k], v)
        else:
            out[k] = v
    return out


def _read_resolved(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ConfigError(f"circular 'extends' chain: {chain}", file=seen[-1], key="extends")
    if not path.is_file():
        if seen:
            raise ConfigError(f"base scenario {path} not found", file=seen[-1], key="extends")
        raise ConfigError("scenario file not found", file=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", file=path) from None
    refs = data.pop("extends", None)
    if refs is None:
        return data
    if isinstance(refs, str):
        refs = [refs]
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise ConfigError("expected a file name or an array of file names", file=path,
                          key="extends")
    merged: dict[str, Any] = {}
    for ref in refs:
        base = _read_resolved(path.parent / ref, (*seen, path))
        base.pop("name", None)
        base.pop("description", None)
        merged = _merge(merged, base, top=True)
    return _merge(merged, data, top=True)


def resolve_scenario_mapping(path: str | Path) -> dict[str, Any]:
    """The plain mapping of a scenario file with every ``extends`` resolved (not validated)."""
    path = Path(path)
    data = _read_resolved(path)
    data.setdefault("name", path.stem)
    return data


def _suggest(key: str, valid: list[str]) -> str:
    stem = key
    for suf in _UNIT_SUFFIXES:
        if key.endswith(suf):
            stem = key[: -len(suf)]
            break
    same_stem = [v for v in valid if v != key and any(v == stem + s for s in _UNIT_SUFFIXES)]
    if same_stem:
        return f" (did you mean '{same_stem[0]}'? give the value in that unit)"
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _dataclass_of(tp: Any) -> tuple[type | None, bool]:
    """(dataclass type, is_array) behind a field annotation, or (None, False)."""
    args = [a for a in get_args(tp) if a is not type(None) and a is not Ellipsis]
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return tp, False
    if get_origin(tp) is tuple and len(args) == 1:
        inner, _ = _dataclass_of(args[0])
        return inner, True
    if len(args) == 1:
        return _dataclass_of(args[0])
    return None, False


def _check_keys(cls: type, data: Any, file: str | Path | None, prefix: str) -> None:
    """Reject unknown keys with a suggestion before the generic loader sees them."""
    if not isinstance(data, Mapping):
        return
    hints = get_type_hints(cls)
    valid = sorted(f.name for f in dataclasses.fields(cls) if f.init)
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key not in valid:
            raise ConfigError(f"unknown key{_suggest(key, valid)}; valid keys here are: "
                              f"{', '.join(valid)}", file=file, key=dotted)
        sub, is_array = _dataclass_of(hints[key])
        if sub is None:
            continue
        if is_array and isinstance(value, list):
            for i, item in enumerate(value):
                _check_keys(sub, item, file, f"{dotted}[{i}]")
        elif not is_array:
            _check_keys(sub, value, file, dotted)


def scenario_from_mapping(data: Mapping[str, Any], *, file: str | Path | None = None) -> Scenario:
    """Build and validate a :class:`Scenario` from a plain mapping."""
    _check_keys(Scenario, data, file, "")
    return from_mapping(Scenario, data, file=file)


def scenario_from_file(path: str | Path) -> Scenario:
    """Read, resolve ``extends`` and validate a scenario TOML file; with
    ``demand.calibration = "baseline"`` and a ``demand.calibration_scenario``, that
    reference scenario (relative to this file's folder) is read too and recorded as
    :attr:`Scenario.calibration_base`."""
    path = Path(path)
    scenario = scenario_from_mapping(resolve_scenario_mapping(path), file=path)
    _check_data_files(scenario, path)
    scenario = with_calibration_base(scenario, path)
    ref = scenario.demand.requests_from_scenario
    if ref and scenario.requests_source is None:
        key = "demand.requests_from_scenario"
        src_path = path.parent / ref
        if not src_path.is_file():
            raise ConfigError(f"scenario {src_path} not found", file=path, key=key)
        if src_path.resolve() == path.resolve():
            raise ConfigError("a scenario cannot take its own requests", file=path, key=key)
        source = scenario_from_file(src_path)
        if source.demand.requests_from_scenario or source.demand.requests_file:
            raise ConfigError(f"{src_path} takes its requests from elsewhere itself; name "
                              "the scenario that generates them", file=path, key=key)
        if scenario.demand.requests_file:
            raise ConfigError("requests_file and requests_from_scenario are exclusive",
                              file=path, key=key)
        scenario = dataclasses.replace(scenario, requests_source=source)
    return scenario


DATA_FILE_KEYS = ("network.osm_file", "demand.osm_file", "demand.requests_file", "pt.feed")
"""Keys naming a data file (opened relative to the working directory, as given)."""


def _check_data_files(scenario: Scenario, path: Path) -> None:
    """A data file the scenario names (:data:`DATA_FILE_KEYS`) that does not exist is a
    :class:`ConfigError` naming the scenario file and the key, before any work starts."""
    for key in DATA_FILE_KEYS:
        section, name = key.split(".")
        value = getattr(getattr(scenario, section), name)
        if value and not Path(value).exists():
            raise ConfigError(
                f"{value} not found (data files are opened as given, relative to the working "
                f"directory {Path.cwd()}, not to the scenario file)", file=path, key=key)


def _own_calibration_scenario(path: Path) -> Any:
    """``demand.calibration_scenario`` as written in ``path`` itself (not inherited), or
    None when the file does not set it (or cannot be read)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    demand = data.get("demand")
    return demand.get("calibration_scenario") if isinstance(demand, Mapping) else None


def with_calibration_base(scenario: Scenario, path: str | Path) -> Scenario:
    """``scenario`` (read from ``path``) with its :class:`CalibrationBase` filled in from
    ``demand.calibration_scenario``; unchanged when it calibrates on itself, has no
    reference file or already carries a base."""
    demand = scenario.demand
    if (demand.calibration != "baseline" or not demand.calibration_scenario
            or scenario.calibration_base is not None):
        return scenario
    path = Path(path)
    base_path = path.parent / demand.calibration_scenario
    if not base_path.is_file():
        inherited = ""
        if _own_calibration_scenario(path) is None:
            inherited = (f"; the value {demand.calibration_scenario!r} comes through "
                         "'extends' and is read relative to this file's folder, so set "
                         "demand.calibration_scenario in this file (e.g. the path of the "
                         "shipped scenarios/baseline.toml)")
        raise ConfigError(
            f"reference scenario {base_path} not found (the mode-choice constants are "
            "calibrated on it; give an existing file, or set demand.calibration = "
            f"'scenario' to re-calibrate on this scenario){inherited}", file=path,
            key="demand.calibration_scenario")
    if base_path.resolve() == path.resolve():
        base = scenario
    else:
        base = scenario_from_mapping(resolve_scenario_mapping(base_path), file=base_path)
    return dataclasses.replace(scenario, calibration_base=CalibrationBase(
        base.name, base.network, base.demand, base.pt, base.emissions.bus_drivetrain))
