"""The demand section: defaults from FACTS.md, validation naming the field, TOML mapping."""

from __future__ import annotations

import pytest

from kl_mobility.config import ConfigError, from_mapping
from kl_mobility.demand import DemandConfig, ExternalZoneConfig


def test_defaults_derive_from_facts():
    cfg = DemandConfig()
    # Kernstadt 78,501 (2016) minus Erzhuetten-Wiesenthalerhof 2,653 (modelled as external)
    assert cfg.internal_population == 78_501 - 2_653
    assert cfg.trip_rate == 3.2
    assert len(cfg.external_zones) == 9
    # the nine FACTS.md populations: 3,694 + 3,108 + 2,935 + 2,814 + 2,653 + 2,608 + 2,223
    # + 1,300 + 1,163 = 22,498
    assert sum(z.population for z in cfg.external_zones) == 22_498
    shares = cfg.target_shares
    assert shares["car"] == pytest.approx(50.0 / 100.1)
    assert sum(shares.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(("field", "value"), [
    ("trip_rate", -1.0), ("zone_cell_m", 10.0), ("walk_speed_kmh", 0.0),
    ("beta_ivt_per_min", 0.1), ("bus_ivt_factor", 0.5), ("prebook_share", 1.5),
    ("outbound_profile", (1.0,) * 23), ("bus_end_s", 3600),
])
def test_bad_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=f"^{field}"):
        DemandConfig(**{field: value})


def test_external_zone_names_unique():
    z = ExternalZoneConfig("A", 49.4, 7.7, 100.0)
    with pytest.raises(ValueError, match="^external_zones"):
        DemandConfig(external_zones=(z, z))


def test_from_mapping_reads_nested_tables_and_rejects_unknown_keys():
    cfg = from_mapping(DemandConfig, {
        "scale": 0.5, "external_zones": [{"name": "X", "lat": 49.4, "lon": 7.7,
                                          "population": 10.0}],
    })
    assert cfg.scale == 0.5 and cfg.external_zones[0].name == "X"
    with pytest.raises(ConfigError, match="trip_rat"):
        from_mapping(DemandConfig, {"trip_rat": 3.0}, file="s.toml", prefix="demand")
