"""Pivot point: mode-choice constants calibrated once on the reference case, held fixed.

A measure (Tempo 30, a new service, a fare) is evaluated by how it moves the modal split.
If the constants of walk, bike and bus were re-fitted to the 2023 modal split (FACTS.md
section 3) on every scenario's own network, a measure that lengthens car times would be
calibrated away: the car constant would absorb it and the car share would stay at 50 %.
So, as in a pivot-point (incremental logit) application, the constants are calibrated
**once** on the reference case and applied unchanged to every measure:

- ``demand.calibration = "baseline"`` (default): the reference case is the scenario named
  by ``demand.calibration_scenario`` (the shipped scenarios: ``baseline.toml``, i.e. the
  network without speed caps, today's bus approximation, no on-demand service); its network
  and demand sections are recorded in the resolved scenario
  (:class:`kl_mobility.scenario.CalibrationBase`). Without a reference file the reference
  case is the scenario itself without its measures: its network without speed caps, its
  demand section, no on-demand service (the on-demand alternative never enters the
  calibration anyway).
- ``demand.calibration = "scenario"``: explicit opt-in to re-calibrate on the scenario's
  own network (the old behaviour; it hides every network measure's modal effect).
- ``demand.calibrate = false``: the constants ``asc_walk``, ``asc_bike``, ``asc_bus`` are
  taken as given (no calibration at all).

The constants used and where they come from are recorded in ``demand.json``
("calibration") of every run (:meth:`Calibration.to_dict`).

Behavioural parameters (the ``beta_*``, the car's driver-experience terms ...) are the reference case's
own; a sensitivity sample changes them in the scenario and in its reference case alike
(:mod:`kl_mobility.sensitivity`).
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kl_mobility.context import prepare_network, reference_supply
from kl_mobility.network.config import NetworkConfig
from kl_mobility.progress import ProgressCallback
from kl_mobility.pt.config import PtConfig
from kl_mobility.scenario import CalibrationBase, Scenario

__all__ = ["Calibration", "calibrated_scenario", "reference_case", "scenario_calibration"]


@dataclass(frozen=True)
class Calibration:
    """The constants a scenario's mode choice uses and their origin.

    ``convention``: ``"baseline"`` (pivot point on the reference case ``reference``),
    ``"scenario"`` (re-calibrated on the scenario itself) or ``"fixed"`` (given in the
    scenario, ``demand.calibrate = false``). ``expected_base_shares``: the expected 4-mode
    shares (car, walk, bike, bus) the constants reach **on the network they were calibrated
    on** (``None`` for ``"fixed"``); ``network_key``: that network's cache key.
    """

    convention: str
    asc: dict[str, float]
    reference: str
    network_key: str | None = None
    expected_base_shares: dict[str, float] | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record for ``demand.json`` ("calibration")."""
        return {"convention": self.convention, "constants": dict(self.asc),
                "reference": self.reference, "network_key": self.network_key,
                "expected_base_shares": self.expected_base_shares, "note": self.note}


def reference_case(scenario: Scenario) -> CalibrationBase:
    """The reference case of ``scenario``: its :attr:`~Scenario.calibration_base`, else the
    scenario itself without its network measures (no speed caps)."""
    if scenario.calibration_base is not None:
        return scenario.calibration_base
    net = scenario.network
    pt = scenario.pt
    return CalibrationBase(f"{scenario.name} without its measures",
                           NetworkConfig(osm_file=net.osm_file, place=net.place),
                           scenario.demand, PtConfig(feed=pt.feed, service_date=pt.service_date,
                                                     mode_choice=pt.mode_choice),
                           scenario.emissions.bus_drivetrain)


def scenario_calibration(scenario: Scenario, *, cache_dir: str | Path | None = None,
                         progress: ProgressCallback | None = None) -> Calibration:
    """The constants of ``scenario``'s mode choice (module docstring)."""
    demand = scenario.demand
    asc_given = {"walk": demand.asc_walk, "bike": demand.asc_bike, "bus": demand.asc_bus}
    if not demand.calibrate:
        return Calibration("fixed", asc_given, f"{scenario.name}: demand.asc_* as given")
    if demand.calibration == "scenario":
        return Calibration("scenario", asc_given, f"{scenario.name} (re-calibrated on its "
                           "own network, demand.calibration = 'scenario')",
                           note="calibrated when the demand is generated")
    base = reference_case(scenario)
    key = (base, None if cache_dir is None else str(Path(cache_dir).resolve()))
    if key not in _CALIBRATED:
        while len(_CALIBRATED) >= 8:
            _CALIBRATED.pop(next(iter(_CALIBRATED)))
        _CALIBRATED[key] = _baseline_calibration(base, cache_dir=cache_dir, progress=progress)
    return copy.deepcopy(_CALIBRATED[key])


#: Baseline calibrations made in this process, by reference case and cache folder: a run
#: needs the same one for its demand, its rounds and its city-wide account, and
#: ``kl-mobility size`` once per fleet size.
_CALIBRATED: dict[tuple[CalibrationBase, str | None], Calibration] = {}


def _baseline_calibration(base: CalibrationBase, *, cache_dir: str | Path | None,
                          progress: ProgressCallback | None) -> Calibration:
    from kl_mobility.demand.generate import calibrated_constants

    ref = Scenario(name="reference", network=base.network, demand=base.demand)
    net, oracle = prepare_network(ref, cache_dir=cache_dir, progress=progress)
    transit = reference_supply(base, net, oracle, cache_dir=cache_dir)
    asc, shares = calibrated_constants(net, oracle, base.demand, cache_dir=cache_dir,
                                       transit=transit)
    return Calibration("baseline", asc, base.name, network_key=net.key,
                       expected_base_shares=shares,
                       note="calibrated once on the reference case (no on-demand service) "
                       "and held fixed in this scenario")


def calibrated_scenario(scenario: Scenario, *, cache_dir: str | Path | None = None,
                        progress: ProgressCallback | None = None
                        ) -> tuple[Scenario, Calibration]:
    """``scenario`` with the constants of :func:`scenario_calibration` fixed in its demand
    section (``calibrate = false``; unchanged for ``"scenario"`` and ``"fixed"``), and the
    calibration record."""
    cal = scenario_calibration(scenario, cache_dir=cache_dir, progress=progress)
    if cal.convention != "baseline":
        return scenario, cal
    demand = dataclasses.replace(scenario.demand, asc_walk=cal.asc["walk"],
                                 asc_bike=cal.asc["bike"], asc_bus=cal.asc["bus"],
                                 calibrate=False)
    return dataclasses.replace(scenario, demand=demand), cal
