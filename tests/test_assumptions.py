"""Every figure a scenario exposes is either sourced or a setting (NOT_ASSUMPTIONS) or a
named assumption with a documented plausible range (ASSUMPTION_RANGES): a new config key
fails here until it is classified."""

from __future__ import annotations

import dataclasses

import pytest

from kl_mobility.assumptions import ASSUMPTION_RANGES, ECONOMICS_RANGES, NOT_ASSUMPTIONS
from kl_mobility.demand.config import DemandConfig
from kl_mobility.emissions import EmissionsConfig
from kl_mobility.service import ServiceConfig
from kl_mobility.sim.config import VehicleTypeConfig

RANGED = {a.key for a in ASSUMPTION_RANGES.values()}


def _classified(key: str, wildcard: str | None = None) -> bool:
    return key in RANGED or key in NOT_ASSUMPTIONS or (wildcard in NOT_ASSUMPTIONS
                                                       if wildcard else False)


def _scenario_keys() -> list[tuple[str, str | None]]:
    """(key, wildcard key) of every number a scenario sets, nested entries by name."""
    keys: list[tuple[str, str | None]] = []
    demand = DemandConfig()
    for f in dataclasses.fields(DemandConfig):
        if f.name == "attractors":
            for a in demand.attractors:
                for g in dataclasses.fields(a):
                    if g.name != "name":
                        keys.append((f"demand.attractors.{a.name}.{g.name}",
                                     f"demand.attractors.*.{g.name}"))
        elif f.name == "external_zones":
            for z in demand.external_zones:
                for g in dataclasses.fields(z):
                    if g.name != "name":
                        keys.append((f"demand.external_zones.{z.name}.{g.name}",
                                     f"demand.external_zones.*.{g.name}"))
        elif f.name in ("outbound_profile", "return_profile"):
            keys.append((f"demand.{f.name}", None))
        else:
            keys.append((f"demand.{f.name}", None))
    keys += [(f"service.{f.name}", None) for f in dataclasses.fields(ServiceConfig)]
    keys += [(f"emissions.{f.name}", None) for f in dataclasses.fields(EmissionsConfig)]
    keys += [(f"fleet.van.{f.name}", f"fleet.*.{f.name}")
             for f in dataclasses.fields(VehicleTypeConfig)]
    return keys


def test_every_scenario_figure_is_sourced_a_setting_or_has_a_range():
    missing = [k for k, w in _scenario_keys() if not _classified(k, w)]
    assert missing == []


def test_every_range_names_a_real_key_and_holds_its_default():
    """Each range's key is a scenario key; its default lies within the range (profiles:
    the stated peak share, 22.0 / 93.5 = 0.235 and 21.5 / 95.3 = 0.226)."""
    known = {k for k, _ in _scenario_keys()}
    demand, service, emissions = DemandConfig(), ServiceConfig(), EmissionsConfig()
    van = VehicleTypeConfig(name="van", count=1)
    peaks = {"demand.outbound_profile": sum(demand.outbound_profile[7:9])
             / sum(demand.outbound_profile),
             "demand.return_profile": sum(demand.return_profile[16:18])
             / sum(demand.return_profile)}
    for name, a in ASSUMPTION_RANGES.items():
        if name in ECONOMICS_RANGES:
            continue  # the [costs] table: checked against its config in test_economics
        assert a.key in known, name
        assert a.what and a.why, name
        section, _, rest = a.key.partition(".")
        if a.key in peaks:
            value = peaks[a.key]
        elif section == "demand" and rest.startswith(("attractors.", "external_zones.")):
            group, _, tail = rest.partition(".")
            entry, _, attr = tail.rpartition(".")
            value = next(getattr(x, attr) for x in getattr(demand, group) if x.name == entry)
        elif section == "fleet":
            if a.key.endswith("fuel_l_per_100km"):
                continue  # 0 on an electric default van; the diesel twin sets its own
            value = getattr(van, rest.partition(".")[2])
        else:
            cfg = {"demand": demand, "service": service, "emissions": emissions}[section]
            value = getattr(cfg, rest)
            if a.key in ("emissions.grid_g_per_kwh", "emissions.fuel_wtw_factor"):
                continue  # 0 = the sourced default (UBA year, FACTS.md upstream shares)
        assert a.low <= value <= a.high, (name, value, a.low, a.high)
    assert peaks["demand.outbound_profile"] == pytest.approx(22.0 / 93.5)


def test_describe_reads_once():
    a = ASSUMPTION_RANGES["beta_reject"]
    text = a.describe()
    assert text.startswith("utility per unit rejection probability")
    assert text.count("plausible range") == 1 and "assumption" not in text.lower()
