"""NaN, infinities and impossible values are refused everywhere: every numeric scenario key
(through the one validation path, the configuration dataclasses' ``__post_init__``), every
numeric command-line option, request ids (read exactly), OSM elements, tiny networks."""

from __future__ import annotations

import dataclasses
import math
import typing
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kl_mobility.cli import main
from kl_mobility.config import ConfigError, _is_optional
from kl_mobility.demand import requests_from_file
from kl_mobility.network import NetworkSourceError, grid_network, network_from_osm
from kl_mobility.scenario import Scenario, _dataclass_of, scenario_from_mapping

DATA = Path(__file__).parent / "data"

_ITEM = {"fleet": {"name": "van", "count": 1},
         "network.speed_caps": {"name": "cap", "max_speed_kmh": 30.0}}
"""A minimal valid item of each array of tables whose default is empty."""


def _float_keys(cls: type = Scenario, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted key, array path or "") of every float-valued field of the scenario tree,
    a tuple-of-floats field by its first element."""
    out = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if not f.init:  # derived, not a key of the file
            continue
        tp = hints[f.name]
        sub, is_array = _dataclass_of(tp)
        key = prefix + f.name
        if sub is not None and sub.__name__ in ("Scenario", "CalibrationBase"):
            continue  # a scenario referred to: the same sections, checked the same way
        if sub is not None:
            out += [(k, arr or (key if is_array else "")) for k, arr in
                    _float_keys(sub, key + ("[0]." if is_array else "."))]
            continue
        _, inner = _is_optional(tp)
        text = str(inner)
        if inner is float:
            out.append((key, ""))
        elif text.startswith("tuple[float") or text.startswith("tuple[tuple[float"):
            out.append((key + ("[0][0]" if "tuple[tuple" in text else "[0]"), ""))
    return out


FLOAT_KEYS = _float_keys()


def _mapping_with(key: str, array: str, value: float) -> dict:
    """A valid scenario mapping with ``value`` at ``key``."""
    m: dict = {"name": "t"}
    base = Scenario(name="t").to_mapping()
    if array:
        top, _, rest = array.partition(".")
        node = m
        parts = array.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        default = base
        for p in parts:
            default = default[p]
        node[parts[-1]] = [dict(default[0]) if default else dict(_ITEM[array])]
    path = key.replace("[0]", ".0").split(".")
    node = m
    src = base
    for i, p in enumerate(path[:-1]):
        if p.isdigit():
            node = node[int(p)]
            src = src[int(p)] if isinstance(src, list) and src else {}
            continue
        nxt = path[i + 1]
        if p not in node:
            node[p] = [] if nxt.isdigit() else {}
            if nxt.isdigit():
                node[p] = [list(x) if isinstance(x, list) else x for x in (src.get(p) or [])] \
                    or [[0.0, 0.0]] * 3
        node = node[p]
        src = src.get(p, {}) if isinstance(src, dict) else {}
    last = path[-1]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return m


def test_every_float_key_is_found():
    """The walk sees the keys the issue names (and many more)."""
    keys = {k for k, _ in FLOAT_KEYS}
    assert {"service.detour_factor", "fleet[0].energy_kwh_per_km", "demand.scale",
            "demand.external_zones[0].lat", "network.speed_caps[0].polygon_latlon[0][0]",
            "demand.outbound_profile[0]"} <= keys
    assert len(keys) > 60


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("key,array", FLOAT_KEYS, ids=[k for k, _ in FLOAT_KEYS])
def test_every_numeric_key_rejects_non_finite(key, array, value):
    """NaN and infinities (TOML has both literals) are refused with the key named."""
    with pytest.raises(ConfigError) as exc:
        scenario_from_mapping(_mapping_with(key, array, value), file="s.toml")
    msg = str(exc.value)
    assert msg.startswith("s.toml: key '") and "finite" in msg
    named = msg.split("key '", 1)[1].split("'", 1)[0]
    assert named == key or key.startswith(named + "[") or named.startswith(key.split("[")[0])


def _config_classes() -> list[type]:
    seen: list[type] = []

    def walk(cls):
        if cls in seen:
            return
        seen.append(cls)
        for f in dataclasses.fields(cls):
            sub, _ = _dataclass_of(typing.get_type_hints(cls)[f.name])
            if sub is not None and f.init and sub.__name__ != "CalibrationBase":
                walk(sub)  # (the calibration base holds network and demand sections)
    walk(Scenario)
    return seen


def test_direct_construction_goes_through_the_same_check():
    """Built in Python (not from TOML), every float field still refuses NaN: each
    configuration class's ``__post_init__`` runs the shared check."""
    from kl_mobility.demand.config import AttractorConfig, ExternalZoneConfig
    from kl_mobility.network.config import SpeedCapConfig
    from kl_mobility.sim.config import VehicleTypeConfig

    samples = {VehicleTypeConfig: VehicleTypeConfig("van", 1),
               SpeedCapConfig: SpeedCapConfig(name="c", max_speed_kmh=30.0),
               ExternalZoneConfig: ExternalZoneConfig("z", 49.4, 7.7, 100.0),
               AttractorConfig: AttractorConfig("a", 49.4, 7.7, 1.0),
               Scenario: Scenario(name="t")}
    checked = 0
    for cls in _config_classes():
        obj = samples.get(cls) or cls()
        for f in dataclasses.fields(cls):
            if isinstance(getattr(obj, f.name), float):
                with pytest.raises(ValueError, match=f"^{f.name} must be"):
                    dataclasses.replace(obj, **{f.name: math.nan})
                checked += 1
    assert checked > 60


@pytest.mark.parametrize("argv", [
    ["run", "--seed", "-1"],
    ["run", "--seed", "nan"],
    ["batch", "x.toml", "--first-seed", "-3"],
    ["batch", "x.toml", "--seeds", "0"],
    ["batch", "x.toml", "--workers", "0"],
    ["demand", "validate", "r.csv", "--max-snap-m", "nan"],
    ["demand", "validate", "r.csv", "--max-snap-m", "inf"],
    ["demand", "validate", "r.csv", "--max-snap-m", "-5"],
    ["demand", "generate", "--scenario", "s.toml", "--out", "r.csv", "--seed", "-2"],
    ["plan", "--requests", "r.csv", "--fleet", "2", "--time-limit", "nan"],
    ["plan", "--requests", "r.csv", "--fleet", "2", "--time-limit", "-inf"],
    ["plan", "--requests", "r.csv", "--fleet", "2", "--depot-node", "-1"],
    ["plan", "--requests", "r.csv", "--fleet", "2", "--max-wait", "-60"],
    ["plan", "--requests", "r.csv", "--fleet", "2", "--search-seed", "-1"],
    ["hindsight", "--time-limit", "nan"],
    ["hindsight", "--max-requests", "-1"],
    ["hindsight", "--seed", "1e3"],
    ["bench", "routing", "x.txt", "--time-limit", "inf"],
    ["report", "b", "--dpi", "0"],
])
def test_numeric_options_reject_impossible_values(argv, capsys):
    """One line naming the option, exit 2, before anything is read."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kl-mobility: error: ")
    assert "argument " + argv[-2] in err[0]


@pytest.mark.parametrize("address,expect", [
    ("foo", "expected tcp://HOST:PORT"),
    ("http://127.0.0.1:8787", "scheme http:// is not a Dask scheduler's"),
    ("tcp://127.0.0.1:1", "cannot reach 127.0.0.1:1"),
    ("tcp://127.0.0.1:99999", "port 99999 out of range"),
])
def test_scheduler_address_is_checked(address, expect, tmp_path, capsys):
    scen = tmp_path / "s.toml"
    scen.write_text("[demand]\nscale = 0.01\n")
    rc = main(["batch", str(scen), "--scheduler", address, "--results", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and expect in err[0], err


def test_not_a_dask_scheduler_is_one_line(tmp_path, capsys):
    """Something listens but does not speak Dask: one line, not a hang or a traceback."""
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    stop = threading.Event()

    def serve():
        srv.settimeout(0.2)
        conns = []
        while not stop.is_set():
            try:
                c, _ = srv.accept()
                c.sendall(b"SSH-2.0-OpenSSH_9.0\r\n")
                conns.append(c)
            except OSError:
                pass
        for c in conns:
            c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        from kl_mobility.batch import connect_scheduler
        from kl_mobility.errors import InputError

        with pytest.raises(InputError, match="does not answer as a Dask scheduler"):
            connect_scheduler(f"tcp://127.0.0.1:{port}", timeout_s=2)
    finally:
        stop.set()
        t.join()
        srv.close()


# ----------------------------------------------------------------------------- requests
HEADER = "request_id,request_time_s,origin_node,dest_node,passengers\n"


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=8, unique=True))
def test_request_ids_are_read_exactly(tmp_path_factory, ids):
    """Ids up to 2^63 - 1 keep their value (a float64 read would turn 2^53 + 1 into 2^53
    and make distinct ids duplicates)."""
    net = grid_network(3, 3)
    f = tmp_path_factory.mktemp("ids") / "r.csv"
    f.write_text(HEADER + "".join(f"{i},{28800 + k},0,{1 + k % 8},1\n"
                                  for k, i in enumerate(ids)))
    req, rej = requests_from_file(f, network=net)
    assert rej.empty
    assert req["request_id"].tolist() == ids


def test_ids_beyond_2_53_are_not_merged(tmp_path):
    net = grid_network(3, 3)
    f = tmp_path / "r.csv"
    f.write_text(HEADER + "9007199254740993,28800,0,1,1\n9007199254740992,28900,0,2,1\n")
    req, _ = requests_from_file(f, network=net)
    assert req["request_id"].tolist() == [2**53 + 1, 2**53]


odd_fields = st.sampled_from(["1_000", "inf", "nan", "0x10", " 12 ", "1e3", "12.0", "-0",
                              "+5", "١٢", "abc", "", "3.5", "28800"])


@settings(max_examples=40, deadline=None)
@given(field=odd_fields, others=st.lists(st.sampled_from(["28800", "oops", ""]), max_size=4))
def test_a_rows_verdict_does_not_depend_on_other_rows(tmp_path_factory, field, others):
    """The same request_time_s field gets the same verdict alone and among other rows
    (valid or not)."""
    net = grid_network(3, 3)
    d = tmp_path_factory.mktemp("v")

    def verdict(rows: list[str]) -> tuple[bool, int | None]:
        f = d / "r.csv"
        f.write_text(HEADER + "".join(f"{k},{t},0,1,1\n" for k, t in enumerate(rows)))
        req, rej = requests_from_file(f, network=net, skip_invalid=True)
        if (rej["line"] == 2).any():
            return False, None
        return True, int(req.loc[req["request_id"] == 0, "request_time_s"].iloc[0])

    assert verdict([field]) == verdict([field, *others])


# ----------------------------------------------------------------------------- OSM
def _osm(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "x.osm"
    f.write_text('<?xml version="1.0"?><osm version="0.6">' + body + "</osm>")
    return f


TWO_WAY = ('<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>'
           '<tag k="highway" v="primary"/></way>')


@settings(max_examples=30, deadline=None)
@given(which=st.sampled_from(["lat", "lon"]),
       bad=st.sampled_from(["abc", "nan", "inf", "", "91", "-180.5", "1e400"]))
def test_osm_bad_coordinates_name_the_node(tmp_path_factory, which, bad):
    if which == "lon" and bad in ("91",):
        bad = "181"
    d = tmp_path_factory.mktemp("osm")
    coords = {"lat": "49.41", "lon": "7.70"}
    coords[which] = bad
    body = (f'<node id="1" lat="49.40" lon="7.70"/>'
            f'<node id="2" lat="{coords["lat"]}" lon="{coords["lon"]}"/>'
            f'<node id="3" lat="49.42" lon="7.70"/>' + TWO_WAY)
    with pytest.raises(NetworkSourceError, match=f"node 2: {which}="):
        network_from_osm(_osm(d, body))


@pytest.mark.parametrize("body,expect", [
    ('<node id="x1" lat="49.4" lon="7.7"/><node id="2" lat="49.41" lon="7.7"/>'
     '<way id="10"><nd ref="x1"/><nd ref="2"/><tag k="highway" v="primary"/></way>',
     "node id 'x1' is not an integer"),
    ('<node id="1" lat="49.4" lon="7.7"/><node id="2" lat="49.41" lon="7.7"/>'
     '<way id="w"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way>',
     "way id 'w' is not an integer"),
    ('<node id="1" lat="49.4" lon="7.7"/>'
     '<way id="10"><nd ref="1"/><nd ref="1"/><tag k="highway" v="primary"/></way>',
     "too small|no drivable"),
    ('<node id="1" lat="49.4" lon="7.7"/><node id="2" lat="49.41" lon="7.7"/>'
     '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/>'
     '<tag k="oneway" v="yes"/></way>', "1 node"),
])
def test_osm_bad_ids_and_tiny_networks(tmp_path, body, expect, capsys):
    """Through the command line: one line naming the file and the element, exit 2."""
    f = _osm(tmp_path, body)
    rc = main(["network", "build", "--osm", str(f), "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and str(f) in err[0]
    import re

    assert re.search(expect, err[0]), err[0]


def test_tiny_network_refused_even_from_a_cache(tmp_path):
    """A cached network of one node is refused on load (and so rebuilt from the source)."""
    from kl_mobility.network.graph import check_network_arrays

    net = grid_network(1, 2)
    check_network_arrays(net)  # two nodes, two edges: fine
    one = dataclasses.replace(net, node_lat=net.node_lat[:1], node_lon=net.node_lon[:1],
                              node_x=net.node_x[:1], node_y=net.node_y[:1],
                              node_osmid=net.node_osmid[:1], indptr=np.array([0, 0]),
                              edge_tail=net.edge_tail[:0], edge_head=net.edge_head[:0],
                              edge_length_m=net.edge_length_m[:0],
                              edge_time_s=net.edge_time_s[:0],
                              edge_speed_kmh=net.edge_speed_kmh[:0],
                              edge_highway=net.edge_highway[:0])
    with pytest.raises(ValueError, match="too small to simulate"):
        check_network_arrays(one)
