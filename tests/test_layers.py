"""The package's import graph: layers that import only downward, and no circles.

Each top-level module or package of ``kl_mobility`` belongs to one layer of :data:`LAYERS`
(top first). A module may import modules of its own layer or of a layer below, never of a
layer above; and neither the packages nor the modules import each other in a circle (an
``import`` inside a function or under ``TYPE_CHECKING`` counts like any other). The graph is
read from the source by grimp, without running the code.
"""

from __future__ import annotations

import grimp
import networkx as nx
import pytest

LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("batch", "dispatchbench", "runner", "rounds", "samedemand", "sensitivity", "size"),
    ("planning", "report", "sweep", "testing", "sizepool"),
    ("calibration", "citywide", "context", "instance", "scenario", "validity"),
    ("sim", "dispatch", "routing", "emissions", "economics"),
    ("results",),
    ("demand", "network", "pt"),
    ("service", "config", "errors", "progress", "io", "assumptions", "_lazy", ""),
    ("kernels",),
)
"""Top-level names of ``kl_mobility`` by layer, top first (``""``: the package itself, the
lazy public namespace of ``__init__.py``)."""

RANK = {name: k for k, layer in enumerate(LAYERS) for name in layer}

TYPE_ONLY_EXCEPTIONS: set[tuple[str, str]] = set()
"""Imports under ``TYPE_CHECKING`` that close a circle and are known, to be removed (none
now)."""


UPWARD_EXCEPTIONS: set[tuple[str, str]] = set()
"""Known upward imports, to be removed (none now)."""


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    g = grimp.build_graph("kl_mobility", cache_dir=None)
    out = nx.DiGraph()
    for m in g.modules:
        out.add_node(m)
        for imported in g.find_modules_directly_imported_by(m):
            out.add_edge(m, imported)
    return out


def test_every_module_has_a_layer(graph):
    assert {_top(m) for m in graph} - set(RANK) == set()


def test_nothing_imports_upward(graph):
    upward = sorted(f"{a} -> {b}" for a, b in graph.edges
                    if RANK[_top(b)] < RANK[_top(a)] and (a, b) not in UPWARD_EXCEPTIONS)
    assert upward == []
    for a, b in UPWARD_EXCEPTIONS:  # an exemption that no longer applies is removed
        assert graph.has_edge(a, b), (a, b)


def test_no_circles_between_packages_or_modules(graph):
    """(Known upward imports, if any, are left out here as above.)"""
    modules = graph.copy()
    modules.remove_edges_from(TYPE_ONLY_EXCEPTIONS | UPWARD_EXCEPTIONS)
    packages = nx.DiGraph((_top(a), _top(b)) for a, b in modules.edges if _top(a) != _top(b))
    assert [c for c in nx.strongly_connected_components(packages) if len(c) > 1] == []
    assert [c for c in nx.strongly_connected_components(modules) if len(c) > 1] == []


def test_the_known_exceptions_are_type_only(graph):
    """Each exempted edge exists only under ``TYPE_CHECKING`` (at run time there is no
    circle), so an exemption cannot hide a real one."""
    runtime = grimp.build_graph("kl_mobility", cache_dir=None,
                                exclude_type_checking_imports=True)
    for a, b in TYPE_ONLY_EXCEPTIONS:
        assert graph.has_edge(a, b)
        assert b not in runtime.find_modules_directly_imported_by(a)


def test_the_check_sees_an_upward_import_and_a_circle():
    """The rules on a made-up graph: kernels importing sim is upward, and sim <-> results
    is a circle (so the checks above can fail)."""
    fake = nx.DiGraph([("kl_mobility.kernels.a", "kl_mobility.sim.b"),
                       ("kl_mobility.sim.b", "kl_mobility.results.c"),
                       ("kl_mobility.results.c", "kl_mobility.sim.b")])
    assert [(a, b) for a, b in fake.edges if RANK[_top(b)] < RANK[_top(a)]] == [
        ("kl_mobility.kernels.a", "kl_mobility.sim.b"),
        ("kl_mobility.results.c", "kl_mobility.sim.b")]
    assert [c for c in nx.strongly_connected_components(fake) if len(c) > 1] == [
        {"kl_mobility.sim.b", "kl_mobility.results.c"}]
