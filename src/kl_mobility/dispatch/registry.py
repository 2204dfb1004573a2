"""The registry of dispatch policies: a plain dict from name to factory, plus the policies
that installed packages declare as entry points.

A policy is a class built from its options (:class:`~kl_mobility.dispatch.base.PolicyOptions`,
e.g. a :class:`~kl_mobility.dispatch.config.DispatchConfig`) that implements
:class:`~kl_mobility.dispatch.base.DispatchPolicy`. Two ways to add one:

- in Python, for this process: ``DISPATCH_POLICIES["mine"] = MyPolicy``;
- from an installed package, for every process (``kl-mobility run``, ``batch``, ``bench``
  and dask workers): an entry point in the group :data:`ENTRY_POINT_GROUP`
  (``kl_mobility.policies``) of the package's metadata, e.g. in its ``pyproject.toml``::

      [project.entry-points."kl_mobility.policies"]
      mine = "my_package.policy:MyPolicy"

Either way the scenario key ``dispatch.policy`` then accepts ``"mine"``. A name of the dict
wins over an entry point of the same name. :func:`policy_factory` finds a policy by name,
:func:`available_policies` lists them and :func:`policy_identity` says which code a name
stands for (it enters the key of a batch run, so a run is repeated when that code changes).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import sys
from pathlib import Path

from kl_mobility.dispatch.base import PolicyFactory
from kl_mobility.dispatch.policies import BatchPolicy, InsertionPolicy, RebalancingPolicy
from kl_mobility.dispatch.rtv import RTVPolicy

__all__ = ["DISPATCH_POLICIES", "ENTRY_POINT_GROUP", "PolicyLoadError", "available_policies",
           "policy_factory", "policy_identity"]

ENTRY_POINT_GROUP = "kl_mobility.policies"
"""Entry-point group through which installed packages offer dispatch policies."""

DISPATCH_POLICIES: dict[str, PolicyFactory] = {
    "insertion": InsertionPolicy,
    "batch": BatchPolicy,
    "rebalancing": RebalancingPolicy,
    "rtv": RTVPolicy,
}
"""Registered policies by name: ``name -> factory(options) -> DispatchPolicy``; the
built-ins are ``insertion``, ``batch``, ``rebalancing`` and ``rtv``."""

BUILTIN_POLICIES = ("batch", "insertion", "rebalancing", "rtv")
"""Names of the policies shipped with kl-mobility (their code is part of the package's
code version)."""


class PolicyLoadError(ValueError):
    """A policy name that names nothing, or an entry point that cannot be loaded."""


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """Entry points of :data:`ENTRY_POINT_GROUP` by name (read afresh each call, so a
    package installed while the process runs is seen; the first of a duplicated name)."""
    out: dict[str, importlib.metadata.EntryPoint] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        out.setdefault(ep.name, ep)
    return out


def available_policies() -> list[str]:
    """Sorted names of every policy: the registry's and the installed entry points'."""
    return sorted(set(DISPATCH_POLICIES) | set(_entry_points()))


def policy_factory(name: str) -> PolicyFactory:
    """The factory of policy ``name``: from :data:`DISPATCH_POLICIES`, else the entry point
    of that name (imported on first use). Raises :class:`PolicyLoadError` naming the policy
    and the valid names, or the entry point and why it cannot be loaded."""
    if name in DISPATCH_POLICIES:
        return DISPATCH_POLICIES[name]
    eps = _entry_points()
    if name not in eps:
        raise PolicyLoadError(f"policy must be one of {available_policies()}, got {name!r}")
    ep = eps[name]
    try:
        factory = ep.load()
    except Exception as exc:  # noqa: BLE001 - whatever importing outside code raises
        raise PolicyLoadError(
            f"policy {name!r}: entry point '{ep.name} = {ep.value}' of group "
            f"{ENTRY_POINT_GROUP} cannot be loaded: {type(exc).__name__}: {exc}") from None
    if not callable(factory):
        raise PolicyLoadError(f"policy {name!r}: entry point '{ep.name} = {ep.value}' is "
                              f"not callable (a policy class or factory is needed)")
    return factory


def _source_digest(factory: object) -> str:
    """SHA-256 (12 hex digits) of the source files of the package (or module) that defines
    ``factory``: every ``*.py`` under the top-level package's folder, else the module's
    file; ``"unknown"`` when there is no source file."""
    module = sys.modules.get(getattr(factory, "__module__", "") or "")
    try:
        file = inspect.getsourcefile(module) if module is not None else None
    except TypeError:
        file = None
    if not file:
        return "unknown"
    top = sys.modules.get(module.__name__.split(".")[0]) if module is not None else None
    top_file = getattr(top, "__file__", None)
    if top_file and Path(top_file).name == "__init__.py":
        root = Path(top_file).resolve().parent
        files = sorted(root.rglob("*.py"))
    else:
        root = Path(file).resolve().parent
        files = [Path(file).resolve()]
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def policy_identity(name: str) -> str:
    """Which code policy ``name`` stands for, as one string:

    - a built-in: ``builtin:<name>`` (its code counts in the package's code version);
    - an entry point: ``entry-point:<name>=<module:attr>|<distribution>==<version>|src:<digest>``;
    - registered in Python: ``registered:<name>=<module.qualname>|src:<digest>``.

    The digest covers the source files of the defining package, so editing the policy's
    code (installed editable, say) changes the identity. Raises :class:`PolicyLoadError`
    as :func:`policy_factory` does.
    """
    factory = policy_factory(name)
    if name in BUILTIN_POLICIES and DISPATCH_POLICIES.get(name) is factory:
        return f"builtin:{name}"
    digest = _source_digest(factory)
    if name not in DISPATCH_POLICIES:
        ep = _entry_points()[name]
        dist = ep.dist
        where = f"{dist.name}=={dist.version}" if dist is not None else "unknown-distribution"
        return f"entry-point:{name}={ep.value}|{where}|src:{digest}"
    qual = f"{getattr(factory, '__module__', '?')}.{getattr(factory, '__qualname__', '?')}"
    return f"registered:{name}={qual}|src:{digest}"
