"""The network and table cache: read without pickle, checked against its manifest, a
damaged entry reported in one line and rebuilt, never used; ``--rebuild`` in place."""

from __future__ import annotations

import io
import logging
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kl_mobility.cli import main
from kl_mobility.dispatch import DispatchConfig
from kl_mobility.io import file_sha256, write_json
from kl_mobility.network import build_oracle, grid_network, load_network
from kl_mobility.network.cache import manifest_path
from kl_mobility.sim import ServiceConfig, SimInputs, VehicleTypeConfig, simulate


def _tables(cache: Path) -> dict[str, Path]:
    return {k: next(cache.glob(f"*-{k}.npy")) for k in ("tt", "dist", "nxt")}


def _damage(cache: Path, kind: str) -> None:
    t = _tables(cache)
    if kind == "truncated":
        raw = t["tt"].read_bytes()
        t["tt"].write_bytes(raw[: len(raw) // 2])
    elif kind == "halved":
        a = np.load(t["tt"])
        np.save(t["tt"], a // 2)
    elif kind == "nan":
        a = np.load(t["dist"])
        a[::3] = np.nan
        np.save(t["dist"], a)
    elif kind == "zeroed":
        np.save(t["nxt"], np.zeros_like(np.load(t["nxt"])))
    elif kind == "swapped":
        a, b = t["tt"].read_bytes(), t["nxt"].read_bytes()
        t["tt"].write_bytes(b)
        t["nxt"].write_bytes(a)
    elif kind == "one byte":  # same size, same modification time: only the hash sees it
        st = t["tt"].stat()
        raw = bytearray(t["tt"].read_bytes())
        raw[-1] ^= 0xFF
        t["tt"].write_bytes(bytes(raw))
        os.utime(t["tt"], ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    elif kind == "no manifest":
        manifest_path(t["dist"]).unlink()
    else:  # pragma: no cover
        raise AssertionError(kind)


def _kpis(net, oracle) -> dict:
    """A small day on the grid: 40 random requests, 3 vans."""
    rng = np.random.default_rng(5)
    n = 40
    o = rng.integers(0, net.n_nodes, n)
    d = (o + rng.integers(1, net.n_nodes, n)) % net.n_nodes
    import pandas as pd

    req = pd.DataFrame({"request_id": np.arange(n, dtype=np.int64),
                        "request_time_s": np.sort(rng.integers(8 * 3600, 9 * 3600, n)),
                        "origin_node": o.astype(np.int32), "dest_node": d.astype(np.int32),
                        "passengers": np.ones(n, np.int16)})
    res = simulate(SimInputs(net, oracle, req, ServiceConfig(start_s=7 * 3600, end_s=10 * 3600), [VehicleTypeConfig("van", 3, 4)], DispatchConfig(), seed=1))
    return res.kpis


@pytest.mark.parametrize("kind", ["truncated", "halved", "nan", "zeroed", "swapped",
                                  "one byte", "no manifest"])
def test_damaged_tables_are_reported_and_rebuilt(tmp_path, caplog, kind):
    """Every kind of damage is detected on load, reported in one warning naming the file,
    and the rebuilt tables (and so a simulated day's KPIs) equal the clean ones."""
    net = grid_network(6, 7)
    clean = build_oracle(net, cache_dir=tmp_path)
    ref = {k: np.array(getattr(clean, k)) for k in ("tt", "dist", "nxt")}
    ref_kpis = _kpis(net, clean)
    _damage(tmp_path, kind)
    with caplog.at_level(logging.WARNING, logger="kl_mobility.network.cache"):
        again = build_oracle(net, cache_dir=tmp_path)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "is damaged" in lines[0] and "rebuilding" in lines[0]
    for k in ref:
        np.testing.assert_array_equal(np.asarray(getattr(again, k)), ref[k])
    assert _kpis(net, again) == ref_kpis
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kl_mobility.network.cache"):
        build_oracle(net, cache_dir=tmp_path)  # now intact: loaded without a word
    assert caplog.records == []


def test_copied_cache_is_trusted_after_a_hash_check(tmp_path):
    """A copy has new modification times: the SHA-256 decides, and matches."""
    net = grid_network(4, 4)
    build_oracle(net, cache_dir=tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # copytree keeps times: touch them
    for p in (tmp_path / "b").glob("*.npy"):
        os.utime(p, ns=(1, 1))
    ok = build_oracle(net, cache_dir=tmp_path / "b")
    assert isinstance(ok.tt, np.memmap), "loaded from the copy, not recomputed"


def test_planted_pickle_is_never_executed(tmp_path, tiny_osm, caplog):
    """A cache file whose highway names are a pickled object that would run code on load,
    even with a manifest made to match it: the reader uses allow_pickle=False, so the
    code never runs; the entry is reported and rebuilt."""
    net = load_network(tiny_osm, cache_dir=tmp_path)
    (npz,) = tmp_path.glob("tiny-*.npz")
    flag = tmp_path / "PWNED"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (flag,))

    buf = io.BytesIO()
    np.save(buf, np.array([Evil()], dtype=object), allow_pickle=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name in the zip: the later one is read
        with zipfile.ZipFile(npz, "a") as z:
            z.writestr("highway_names.npy", buf.getvalue())
    st = npz.stat()
    write_json(manifest_path(npz), {"file": npz.name, "size": st.st_size,
                                    "sha256": file_sha256(npz), "mtime_ns": st.st_mtime_ns})
    with caplog.at_level(logging.WARNING, logger="kl_mobility.network.cache"):
        again = load_network(tiny_osm, cache_dir=tmp_path)
    assert not flag.exists()
    (line,) = [r.getMessage() for r in caplog.records]
    assert "is damaged (unreadable" in line and "rebuilding" in line
    np.testing.assert_array_equal(again.edge_time_s, net.edge_time_s)
    with np.load(npz, allow_pickle=False) as z:  # the rebuilt entry has no object array
        assert z["highway_names"].dtype.kind == "U"


def test_network_build_rebuild_in_place(tmp_path, tiny_osm, capsys):
    """``network build --rebuild`` rewrites the cached files where they are (new inodes,
    fresh manifests) and leaves nothing in the system's temporary folder."""
    cache = tmp_path / "cache"
    assert main(["network", "build", "--osm", str(tiny_osm), "--cache-dir", str(cache)]) == 0
    before = {p.name: p.stat().st_ino for p in cache.iterdir()}
    tmp_before = set(os.listdir(tempfile.gettempdir()))
    assert main(["network", "build", "--osm", str(tiny_osm), "--cache-dir", str(cache),
                 "--rebuild"]) == 0
    after = {p.name: p.stat().st_ino for p in cache.iterdir()}
    assert set(after) == set(before), "the same entries, no others"
    data = [n for n in before if not n.endswith((".manifest.json", ".md"))]
    assert data and all(after[n] != before[n] for n in data), "every entry rewritten"
    new_tmp = set(os.listdir(tempfile.gettempdir())) - tmp_before
    assert not [n for n in new_tmp if n.startswith("kl-")]
