"""Benchmarks (pytest-benchmark): run with ``python -m pytest benchmarks/``.

The files are ``bench_*.py`` (``python_files`` in pyproject.toml); the default test run
(``testpaths = ["tests"]``) does not collect them. ``-m smoke`` selects the quick subset
that CI runs (a couple of minutes on two cores, the network loaded from its cache). Each
benchmark asserts what it computed and reports ratios against a reference computed in the
same run.
"""

import pytest

from kl_mobility.network import build_oracle, load_network


@pytest.fixture(scope="session")
def net():
    """The Kaiserslautern network of the default OSM extract (cached in networks/)."""
    return load_network()


@pytest.fixture(scope="session")
def oracle(net):
    """Its dense travel-time oracle."""
    return build_oracle(net)
