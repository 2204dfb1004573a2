"""Scenario files: schema validation, extends, and the shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from kl_mobility.config import ConfigError
from kl_mobility.scenario import (
    DEFAULT_SCENARIO,
    Scenario,
    default_scenario_path,
    scenario_from_file,
)

DATA = Path(__file__).parent / "data" / "scenarios"
SHIPPED = Path(__file__).resolve().parents[1] / "scenarios"
EXPECTED = {
    "baseline", "pooling-citywide", "pooling-ortsbezirke-night", "shuttle-hbf-firstlast",
    "tempo30-core", "klima-plus-2030", "klima-plus-2030-diesel", "nahverkehrsplan-2024",
}


def test_every_shipped_scenario_loads_and_names_its_measure():
    """All eight scenarios exist, validate, hash, and start with a header naming the measure."""
    files = sorted(SHIPPED.glob("*.toml"))
    assert {f.stem for f in files} == EXPECTED
    for f in files:
        s = scenario_from_file(f)
        assert s.name == f.stem
        assert len(s.content_hash()) == 16
        header = f.read_text(encoding="utf-8").splitlines()[0]
        assert header.startswith("# Measure:"), f
    assert default_scenario_path().stem == DEFAULT_SCENARIO == "klima-plus-2030"
    assert default_scenario_path().is_file()


def test_shipped_scenarios_differ_where_the_measures_differ():
    """Baseline has no fleet; Tempo 30 caps speeds; the package combines pooling, night
    service and shuttles; the diesel twin differs from it only in name/description,
    drivetrain fields and taking the package's requests (``requests_from_scenario``)."""
    load = {n: scenario_from_file(SHIPPED / f"{n}.toml") for n in EXPECTED}
    assert load["baseline"].fleet == ()
    assert load["tempo30-core"].network.speed_caps[0].max_speed_kmh == 30.0
    combo = {v.name for v in load["klima-plus-2030"].fleet}
    assert combo == {v.name for n in ("pooling-citywide", "pooling-ortsbezirke-night",
                                      "shuttle-hbf-firstlast") for v in load[n].fleet}
    assert load["klima-plus-2030"].network == load["tempo30-core"].network
    k, d = load["klima-plus-2030"].to_mapping(), load["klima-plus-2030-diesel"].to_mapping()
    assert d.pop("requests_source")["name"] == "klima-plus-2030"
    assert d["demand"].pop("requests_from_scenario") == "klima-plus-2030.toml"
    k.pop("requests_source"), k["demand"].pop("requests_from_scenario")
    for m in (k, d):
        m.pop("name"), m.pop("description")
        for v in m["fleet"]:
            for key in ("drivetrain", "energy_kwh_per_km", "fuel_l_per_100km", "battery_kwh"):
                v.pop(key, None)
    assert k == d


def test_extends_merges_tables_and_fleet_by_name():
    """pooling-more extends pooling: van count 4 -> 8 (capacity 6 kept), shuttle appended;
    base values (seed 3, scale 0.5) inherited; name never inherited."""
    s = Scenario.from_file(DATA / "pooling-more.toml")
    assert s.name == "pooling-more" and s.seed == 3 and s.demand.scale == 0.5
    assert s.description == ""
    assert [(v.name, v.count, v.capacity) for v in s.fleet] == [("van", 8, 6),
                                                               ("shuttle", 2, 15)]
    assert s.service.max_wait_s == 300


def test_extends_an_array_of_bases_in_order():
    """combo = pooling then night: night's service hours win, both fleets present."""
    s = scenario_from_file(DATA / "combo.toml")
    assert [v.name for v in s.fleet] == ["van", "night-van"]
    assert (s.service.start_s, s.service.end_s, s.service.max_wait_s) == (68400, 93600, 300)


def test_content_hash_ignores_file_layout_but_not_content():
    a = scenario_from_file(DATA / "combo.toml")
    b = scenario_from_file(DATA / "combo.toml")
    c = scenario_from_file(DATA / "pooling.toml")
    assert a.content_hash() == b.content_hash() != c.content_hash()


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("bad-unit", r"bad-unit.toml: key 'service.max_wait_min': unknown key "
                     r"\(did you mean 'max_wait_s'\?.*valid keys here are: .*max_wait_s"),
        ("bad-range", r"bad-range.toml: key 'fleet\[0\].count': count must be >= 0, got -1"),
        ("bad-type", r"bad-type.toml: key 'demand.scale': expected a number, got 'high'"),
        ("bad-syntax", r"bad-syntax.toml: not valid TOML: .*line 2"),
        ("bad-extends", r"bad-extends.toml: key 'extends': base scenario .*nope.toml not found"),
        ("bad-top", r"bad-top.toml: key 'fleeet': unknown key \(did you mean 'fleet'\?\)"),
    ],
)
def test_bad_scenario_is_one_clear_error(name, pattern):
    """Each mistake is one ConfigError naming the file, the dotted key and what is allowed."""
    with pytest.raises(ConfigError, match=pattern) as info:
        scenario_from_file(DATA / f"{name}.toml")
    assert "\n" not in str(info.value)


def test_missing_file_and_circular_extends(tmp_path):
    with pytest.raises(ConfigError, match="scenario file not found"):
        scenario_from_file(tmp_path / "none.toml")
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="circular 'extends' chain"):
        scenario_from_file(tmp_path / "a.toml")


def test_schema_documentation_names_every_key():
    """scenarios/README.md documents every key of every section dataclass (kept in sync)."""
    import dataclasses

    from kl_mobility.demand.config import DemandConfig
    from kl_mobility.dispatch.config import DispatchConfig
    from kl_mobility.economics import CostsConfig, VehicleCosts
    from kl_mobility.emissions import EmissionsConfig
    from kl_mobility.network.config import NetworkConfig, SpeedCapConfig
    from kl_mobility.pt.config import PtConfig
    from kl_mobility.pt.feederconfig import FeederConfig
    from kl_mobility.results.config import OutputConfig
    from kl_mobility.sim.config import ServiceConfig, VehicleTypeConfig

    doc = (SHIPPED / "README.md").read_text(encoding="utf-8")
    missing = [f"{cls.__name__}.{f.name}"
               for cls in (Scenario, NetworkConfig, SpeedCapConfig, DemandConfig,
                           ServiceConfig, VehicleTypeConfig, DispatchConfig, EmissionsConfig,
                           OutputConfig, PtConfig, FeederConfig, CostsConfig, VehicleCosts)
               for f in dataclasses.fields(cls)
               if f"`{f.name}`" not in doc and f"[{f.name}]" not in doc]
    assert missing == []


def test_scenario_name_must_be_a_folder_name(tmp_path):
    (tmp_path / "s.toml").write_text('name = "a/b"\n')
    with pytest.raises(ConfigError, match="key 'name': name must be letters"):
        scenario_from_file(tmp_path / "s.toml")


def test_calibration_scenario_is_read_as_the_reference_case(tmp_path):
    """``demand.calibration_scenario`` names the reference case (relative to the file); its
    network and demand sections are recorded; a missing file names the key."""
    from kl_mobility.scenario import scenario_from_file

    (tmp_path / "ref.toml").write_text('[demand]\ncalibration_scenario = "ref.toml"\n'
                                       'car_walk_min = 4.0\n')
    (tmp_path / "m.toml").write_text(
        'extends = "ref.toml"\n[[network.speed_caps]]\nmax_speed_kmh = 30.0\n')
    sc = scenario_from_file(tmp_path / "m.toml")
    assert sc.calibration_base is not None and sc.calibration_base.name == "ref"
    assert sc.calibration_base.network.speed_caps == ()
    assert sc.calibration_base.demand.car_walk_min == 4.0
    ref = scenario_from_file(tmp_path / "ref.toml")
    assert ref.calibration_base is not None and ref.calibration_base.name == "ref"
    (tmp_path / "bad.toml").write_text('[demand]\ncalibration_scenario = "nope.toml"\n')
    with pytest.raises(ConfigError, match="demand.calibration_scenario"):
        scenario_from_file(tmp_path / "bad.toml")
    (tmp_path / "opt.toml").write_text('[demand]\ncalibration = "scenario"\n'
                                       'calibration_scenario = "nope.toml"\n')
    assert scenario_from_file(tmp_path / "opt.toml").calibration_base is None


def test_inherited_calibration_scenario_not_found_says_where_it_comes_from(tmp_path):
    """A scenario in another folder extending a shipped one inherits its relative
    ``calibration_scenario``; the error says it was inherited and how to set it, while a
    file setting the key itself gets no such hint."""
    from kl_mobility.scenario import scenario_from_file

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "ref.toml").write_text('[demand]\ncalibration_scenario = "ref.toml"\n')
    (tmp_path / "mine.toml").write_text('extends = "lib/ref.toml"\n')
    with pytest.raises(ConfigError, match="comes through 'extends'") as exc:
        scenario_from_file(tmp_path / "mine.toml")
    assert "key 'demand.calibration_scenario'" in str(exc.value)
    (tmp_path / "own.toml").write_text('[demand]\ncalibration_scenario = "nope.toml"\n')
    with pytest.raises(ConfigError) as exc:
        scenario_from_file(tmp_path / "own.toml")
    assert "extends" not in str(exc.value)


@pytest.mark.parametrize("key", ["pt.feed", "demand.requests_file", "network.osm_file",
                                 "demand.osm_file"])
def test_missing_data_file_names_the_key(tmp_path, monkeypatch, key):
    """A scenario naming a data file that does not exist is one ConfigError naming the
    scenario file, the key and the file, at load (relative to the working directory)."""
    monkeypatch.chdir(tmp_path)
    section, name = key.split(".")
    f = tmp_path / "s.toml"
    f.write_text(f'[{section}]\n{name} = "nothere.dat"\n')
    with pytest.raises(ConfigError, match=rf"s.toml: key '{key}': nothere.dat not found"):
        scenario_from_file(f)
    (tmp_path / "nothere.dat").write_text("")  # there now: the load gets past the check
    assert getattr(getattr(scenario_from_file(f), section), name) == "nothere.dat"
