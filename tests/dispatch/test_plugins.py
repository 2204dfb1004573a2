"""Outside dispatch policies: installed as entry points, found by name, configured from the
scenario, checked by the public battery, and part of a batch run's identity.

The fixture "installs" a package ``klplug`` the way pip would leave it for
``importlib.metadata``: a folder on ``sys.path`` with the package and a
``klplug-0.1.dist-info`` holding ``METADATA`` and ``entry_points.txt`` (group
``kl_mobility.policies``). It offers four policies: ``plug_good`` (insertion with an
``Options`` dataclass), ``plug_broken`` (puts every request at the front of vehicle 0's
schedule, feasible or not), ``plug_restless`` (insertion, but turns a request away when
Python's global random module says so: not reproducible) and ``plug_missing`` (an entry point whose
module does not exist).
"""

from __future__ import annotations

import textwrap

import pytest

from kl_mobility.batch import plan_batch
from kl_mobility.config import ConfigError
from kl_mobility.dispatch import DispatchConfig
from kl_mobility.dispatch.registry import available_policies, policy_factory, policy_identity
from kl_mobility.scenario import scenario_from_file
from kl_mobility.testing import PolicyContractError, check_policy

POLICY_SOURCE = '''
import random
from dataclasses import dataclass

import numpy as np

from kl_mobility.dispatch.policies import InsertionPolicy


class Good(InsertionPolicy):
    @dataclass(frozen=True)
    class Options:
        label: str = "plain"
        max_tries: int = 1

        def __post_init__(self):
            if self.max_tries < 1:
                raise ValueError(f"max_tries must be >= 1, got {self.max_tries}")

    def __init__(self, config):
        super().__init__(config)
        self.options = config.policy_options()


class Broken(InsertionPolicy):
    def dispatch(self, ctx, reqs):
        for r in reqs:
            ctx.commit(int(r), 0, 0, 0)  # front of vehicle 0, never checked
        return np.ones(len(reqs), bool)


class Restless(InsertionPolicy):
    def dispatch(self, ctx, reqs):
        if random.random() < 0.3:  # the global RNG, not ctx.rng: turn the request away
            return np.zeros(len(reqs), bool)
        return super().dispatch(ctx, reqs)
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """The folder where ``klplug`` is installed (on ``sys.path`` for the test)."""
    site = tmp_path / "site"
    pkg = site / "klplug"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(POLICY_SOURCE)
    info = site / "klplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: klplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""\
        [kl_mobility.policies]
        plug_good = klplug:Good
        plug_broken = klplug:Broken
        plug_restless = klplug:Restless
        plug_missing = klplug_absent.policy:Nothing
        """))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(__import__("sys").modules, "klplug", raising=False)
    return site


def test_entry_points_are_policies_by_name(plugin):
    """The entry points are listed beside the built-ins and build the class they name."""
    names = available_policies()
    assert {"insertion", "batch", "rebalancing", "plug_good", "plug_broken"} <= set(names)
    assert policy_factory("plug_good").__name__ == "Good"
    cfg = DispatchConfig(policy="plug_good", options={"label": "x", "max_tries": 2})
    assert cfg.policy_options().max_tries == 2


def test_unknown_and_unloadable_policies_are_clear(plugin):
    with pytest.raises(ValueError, match=r"policy must be one of \[.*'plug_good'.*\], got 'nope'"):
        DispatchConfig(policy="nope")
    with pytest.raises(ValueError, match=r"policy 'plug_missing': entry point 'plug_missing = "
                                         r"klplug_absent.policy:Nothing' .* cannot be loaded: "
                                         r"ModuleNotFoundError"):
        DispatchConfig(policy="plug_missing")


def test_options_are_validated_against_the_policys_dataclass(plugin):
    with pytest.raises(ValueError, match=r"options of policy 'plug_good': key 'lable': "
                                         r"unknown key; valid keys here are: label, max_tries"):
        DispatchConfig(policy="plug_good", options={"lable": "x"})
    with pytest.raises(ValueError, match=r"key 'max_tries': expected an integer"):
        DispatchConfig(policy="plug_good", options={"max_tries": "two"})
    with pytest.raises(ValueError, match=r"max_tries must be >= 1, got 0"):
        DispatchConfig(policy="plug_good", options={"max_tries": 0})
    with pytest.raises(ValueError, match=r"options of policy 'insertion': it takes none .* "
                                         r"got label"):
        DispatchConfig(policy="insertion", options={"label": "x"})


def _scenario(tmp_path, policy, options=""):
    path = tmp_path / "plug.toml"
    path.write_text(f'name = "plug"\n[dispatch]\npolicy = "{policy}"\n{options}')
    return path


def test_scenario_names_the_file_and_key_of_a_bad_option(plugin, tmp_path):
    path = _scenario(tmp_path, "plug_good", '[dispatch.options]\nlabel = "a"\nmax_tries = 3\n')
    assert scenario_from_file(path).dispatch.policy_options().max_tries == 3
    bad = _scenario(tmp_path, "plug_good", "[dispatch.options]\nmax_trys = 3\n")
    with pytest.raises(ConfigError) as err:
        scenario_from_file(bad)
    msg = str(err.value)
    assert str(bad) in msg and "key 'dispatch.options'" in msg and "'max_trys'" in msg
    assert "\n" not in msg


def test_battery_passes_a_good_policy_and_the_builtins(plugin):
    """Each built-in and the outside ``plug_good`` keep the contract; the report counts
    what ran (24 instances of 1-25 requests each, some served)."""
    for name in ("plug_good", "insertion", "batch", "rebalancing"):
        rep = check_policy(name, options={"max_tries": 2} if name == "plug_good" else None)
        assert rep.instances == 24 and rep.failures == []
        assert 24 <= rep.requests <= 24 * 25 and 0 < rep.served <= rep.requests


def test_battery_fails_a_broken_outside_policy_with_a_clear_message(plugin):
    """Vehicle 0 gets every request at the front of its schedule: pickups after their
    deadline (and parties over the seats of a small van) are found and named."""
    with pytest.raises(PolicyContractError) as err:
        check_policy("plug_broken")
    msg = str(err.value)
    assert msg.startswith("dispatch policy 'plug_broken' breaks the contract in ")
    assert "instance " in msg and "grid " in msg  # which instance, reproducibly described
    assert "pickup by the latest pickup" in msg or "drop-off by the latest drop-off" in msg
    assert "load within capacity" in msg
    assert "e.g. request " in msg  # the first case of each broken invariant


def test_battery_fails_a_policy_that_is_not_reproducible(plugin):
    import random

    random.seed(0)
    with pytest.raises(PolicyContractError, match=r"determinism, instance 1 .* run twice "
                                                  r"with the same seed: \w+ table differs"):
        check_policy("plug_restless", instances=1)


def test_battery_names_options_it_cannot_use(plugin):
    with pytest.raises(PolicyContractError, match=r"policy 'plug_good' cannot be configured: "
                                                  r"options of policy 'plug_good'"):
        check_policy("plug_good", options={"nope": 1})


def test_policy_code_enters_the_batch_run_key(plugin, tmp_path):
    """Editing the outside policy's source changes its identity and so the batch run key
    (a re-run of the batch runs it again instead of returning the old result); the same
    source gives the same key."""
    path = _scenario(tmp_path, "plug_good")
    ident = policy_identity("plug_good")
    assert ident.startswith("entry-point:plug_good=klplug:Good|klplug==0.1|src:")
    key1 = plan_batch([path], [1], tmp_path / "b", version="v")[0].key
    assert plan_batch([path], [1], tmp_path / "b", version="v")[0].key == key1
    src = plugin / "klplug" / "__init__.py"
    src.write_text(src.read_text().replace('label: str = "plain"', 'label: str = "plain2"'))
    assert policy_identity("plug_good") != ident
    assert plan_batch([path], [1], tmp_path / "b", version="v")[0].key != key1
    assert policy_identity("insertion") == "builtin:insertion"  # in the code version


@pytest.mark.skipif(not __import__("kl_mobility.network", fromlist=["x"]).default_osm_path()
                    .is_file(), reason="no shared OSM extract")
def test_cli_run_takes_an_outside_policy_and_its_options_by_name(plugin, tmp_path, capsys):
    """``kl-mobility run`` on a scenario naming the entry point (a small Kaiserslautern
    day, 07:00-08:00, 2 % of the demand, 3 vans) runs it; ``run.json`` records its identity;
    a misspelt option is one line naming the key, exit 2."""
    import json

    from kl_mobility.cli import main

    body = ('name = "plug"\nseed = 3\n[demand]\nscale = 0.02\n[service]\nstart_s = 25200\n'
            'end_s = 28800\n[[fleet]]\nname = "van"\ncount = 3\ncapacity = 6\n'
            '[dispatch]\npolicy = "plug_good"\n')
    path = tmp_path / "plug.toml"
    path.write_text(body + '[dispatch.options]\nmax_tries = 2\n')
    rc = main(["run", str(path), "--seed", "3", "--out", str(tmp_path / "out"), "--quiet"])
    assert rc == 0
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert kpis["n_requests"] > 0
    bad = tmp_path / "bad.toml"
    bad.write_text(body + '[dispatch.options]\nmax_trys = 2\n')
    capsys.readouterr()
    rc = main(["run", str(bad), "--seed", "3", "--out", str(tmp_path / "out2"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "dispatch.options" in err and "max_trys" in err


def test_bench_dispatch_runs_an_outside_policy_with_options(plugin, tmp_path, capsys):
    """``bench dispatch --policies plug_good --options FILE`` on a small grid instance: a
    row without violations; a misspelt option in the file is one line naming it."""
    import numpy as np
    import pandas as pd

    from kl_mobility.cli import main
    from kl_mobility.instance import instance_of_day, write_instance
    from kl_mobility.network import build_oracle, grid_network
    from kl_mobility.service import ServiceConfig
    from kl_mobility.sim import VehicleTypeConfig

    net = grid_network(3, 3)
    build_oracle(net, cache_dir=tmp_path / "cache")
    rng = np.random.default_rng(2)
    o = rng.integers(0, 9, 12)
    req = pd.DataFrame({"request_id": np.arange(12), "request_time_s": 28800 + 60 * np.arange(12),
                        "origin_node": o, "dest_node": (o + 4) % 9, "passengers": np.ones(12, int)})
    write_instance(tmp_path / "inst", instance_of_day(
        "g", net, req, [VehicleTypeConfig("van", 2, 4)], np.array([0, 8]),
        ServiceConfig(start_s=25200, end_s=36000)))
    good = tmp_path / "opts.toml"
    good.write_text("[plug_good]\nmax_tries = 2\n")
    rc = main(["bench", "dispatch", "--instances", str(tmp_path / "inst"), "--policies",
               "plug_good", "insertion", "--options", str(good)])
    out = capsys.readouterr().out
    assert rc == 0 and "plug_good" in out and "VIOLATION" not in out
    bad = tmp_path / "bad.toml"
    bad.write_text("[plug_good]\nmax_trys = 2\n")
    rc = main(["bench", "dispatch", "--instances", str(tmp_path / "inst"), "--policies",
               "plug_good", "--options", str(bad)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert f"{bad}: [plug_good]" in err and "'max_trys'" in err
