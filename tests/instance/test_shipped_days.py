"""The shipped Kaiserslautern days: listed, checked against days.json, usable by name."""

from __future__ import annotations

import json
import shutil

import pytest

from kl_mobility.cli import main
from kl_mobility.instance import read_instance, shipped_day_path, shipped_days
from kl_mobility.instance import shipped as shipped_module


def test_three_sizes_are_shipped_and_listed(capsys):
    """kl-small < kl-medium < kl-large in requests; kl-large is the 20,000-request day with
    200 vans (the size of a RidePy comparison); ``instance list`` prints each with its recipe."""
    days = shipped_days()
    assert sorted(days) == ["kl-large", "kl-medium", "kl-small"]
    sizes = [days[n]["requests"] for n in ("kl-small", "kl-medium", "kl-large")]
    assert sizes == sorted(sizes) and sizes[0] < sizes[1] < sizes[2]
    assert (days["kl-large"]["requests"], days["kl-large"]["vehicles"]) == (20_000, 200)
    assert main(["instance", "list"]) == 0
    out = capsys.readouterr().out
    for name, d in days.items():
        assert f"{name}: {d['requests']:,} requests, {d['vehicles']} vehicles" in out
        assert f"recipe: {d['recipe']}" in out
    # every day's files are in the record, and the three share one network
    for d in days.values():
        assert set(d["files"]) == {"instance.toml", "nodes.csv", "edges.csv",
                                   "requests.csv", "fleet.csv"}
    assert len({d["files"]["edges.csv"]["sha256"] for d in days.values()}) == 1


def test_a_changed_day_is_refused(tmp_path, monkeypatch, capsys):
    """A copy of kl-small with one request row changed (same size: a digit swapped) is
    refused, naming the file; an unknown name lists the shipped days."""
    days = tmp_path / "days"
    shutil.copytree(shipped_module.DAYS_DIR / "kl-small", days / "kl-small")
    shutil.copy(shipped_module.DAYS_DIR / "days.json", days / "days.json")
    monkeypatch.setattr(shipped_module, "DAYS_DIR", days)
    assert shipped_day_path("kl-small") == days / "kl-small"
    req = days / "kl-small" / "requests.csv"
    text = req.read_text()
    head, first, rest = text.split("\n", 2)
    cells = first.split(",")
    cells[1] = cells[1][::-1] if cells[1] != cells[1][::-1] else str(int(cells[1]) + 1)
    assert len(",".join(cells)) == len(first)
    req.write_text("\n".join([head, ",".join(cells), rest]))
    with pytest.raises(ValueError, match="requests.csv: content differs"):
        shipped_day_path("kl-small")
    rc = main(["bench", "dispatch", "--instances", "kl-nope"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "kl-nope: neither an instance folder" in err and "kl-small" in err


def test_kl_small_reads_as_recorded():
    """Reading kl-small by its folder gives the recorded sizes, every rule given (nothing
    listed as not given) and integer times (no rounding)."""
    rec = shipped_days()["kl-small"]
    inst, _ = read_instance(shipped_day_path("kl-small"))
    assert len(inst.requests) == rec["requests"]
    assert sum(vt.count for vt in inst.fleet) == rec["vehicles"]
    assert (inst.network.n_nodes, inst.network.n_edges) == (rec["nodes"], rec["edges"])
    assert inst.not_given == () and inst.rounding == ()
    assert json.loads((shipped_module.DAYS_DIR / "days.json").read_text()) == shipped_days()
