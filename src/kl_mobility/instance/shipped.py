"""The Kaiserslautern instance days shipped with kl-mobility, usable by name.

Each day is an instance folder (:mod:`kl_mobility.instance.folder`) under
``kl_mobility/instance/days/``, written from a named, deterministic recipe
(``tools/instance_days.py`` in the repository) and recorded in ``days.json`` with its
recipe, its sizes and the size and SHA-256 of every file. :func:`shipped_day_path` checks
the files against that record before a day is used, so a shipped day is the same day
everywhere (another engine can read the folder as it is):

- ``kl-small``: the settled day of citywide pooling at 25 % of the demand with 12 vans of
  6 seats (2,200 requests);
- ``kl-medium``: the settled day of ``scenarios/pooling-citywide.toml`` (50 vans of 6
  seats; 9,378 requests);
- ``kl-large``: 20,000 requests over a weekday, 200 vans of 6 seats, the simulation's
  default rules: the instance of the simulation benchmark (``benchmarks/simbench.py``), of
  the size of a comparison with RidePy (20,000 requests, 200 vehicles of 6 seats).

All three share one network (the Kaiserslautern road network without speed caps: 7,267
nodes, 14,074 directed edges) and the seed 1 of their recipes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from kl_mobility.instance.folder import InstanceError

__all__ = ["DAYS_DIR", "shipped_day_path", "shipped_days"]

DAYS_DIR = Path(__file__).resolve().parent / "days"
"""Where the shipped days live (one folder each, and ``days.json``)."""


@cache
def shipped_days() -> dict[str, dict[str, Any]]:
    """``{name: record}`` of ``days.json``: ``recipe``, ``requests``, ``vehicles``,
    ``nodes``, ``edges`` and ``files`` (``{file: {"size", "sha256"}}``)."""
    return json.loads((DAYS_DIR / "days.json").read_text(encoding="utf-8"))


def shipped_day_path(name: str) -> Path:
    """The folder of the shipped day ``name``, its files checked against ``days.json``.
    :class:`~kl_mobility.instance.folder.InstanceError` for an unknown name (listing the
    shipped ones) or a folder that does not match its record."""
    from kl_mobility.io import verify_manifest

    days = shipped_days()
    if name not in days:
        raise InstanceError(f"{name}: neither an instance folder, a scenario file nor a "
                            f"shipped day ({', '.join(sorted(days))})")
    folder = DAYS_DIR / name
    problems = verify_manifest(folder, days[name]["files"])
    if problems:
        raise InstanceError(f"shipped day {name} ({folder}) does not match days.json: "
                            f"{problems[0]}" + (f" (and {len(problems) - 1} more)"
                                                if len(problems) > 1 else ""))
    return folder
