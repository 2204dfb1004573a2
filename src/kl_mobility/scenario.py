"""Scenario files: TOML read into frozen, validating dataclasses.

A scenario composes the sections owned by the packages below it (network, demand, service,
fleet, dispatch, emissions, outputs). ``extends = "other.toml"`` (relative to the file)
loads a base scenario first; the extending file overrides only the keys it gives (tables
are merged key by key, arrays and values replace).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kl_mobility.config import ConfigError, from_mapping, to_mapping
from kl_mobility.demand.config import DemandConfig
from kl_mobility.dispatch.config import DispatchConfig
from kl_mobility.emissions import EmissionsConfig
from kl_mobility.network.config import NetworkConfig
from kl_mobility.results.config import OutputConfig
from kl_mobility.sim.config import ServiceConfig, VehicleTypeConfig

__all__ = ["Scenario", "scenario_from_file", "scenario_from_mapping"]


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
    outputs: OutputConfig = field(default_factory=OutputConfig)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("name must not be empty")
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


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _read_resolved(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ConfigError(f"circular 'extends' chain: {chain}", file=path, key="extends")
    if not path.is_file():
        raise ConfigError("scenario file not found", file=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", file=path) from None
    base_ref = data.pop("extends", None)
    if base_ref is None:
        return data
    if not isinstance(base_ref, str):
        raise ConfigError("expected a file name string", file=path, key="extends")
    base = _read_resolved(path.parent / base_ref, (*seen, path))
    base.pop("name", None)
    base.pop("description", None)
    return _merge(base, data)


def scenario_from_mapping(data: Mapping[str, Any], *, file: str | Path | None = None) -> Scenario:
    """Build and validate a :class:`Scenario` from a plain mapping."""
    return from_mapping(Scenario, data, file=file)


def scenario_from_file(path: str | Path) -> Scenario:
    """Read, resolve ``extends`` and validate a scenario TOML file."""
    path = Path(path)
    data = _read_resolved(path)
    data.setdefault("name", path.stem)
    return scenario_from_mapping(data, file=path)
