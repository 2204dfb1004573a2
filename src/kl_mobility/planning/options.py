"""What a hindsight comparison takes: the window of the day (:class:`HindsightWindow`) and
where the day's requests come from (:func:`demand_source`).

Light on imports (the command line reads the defaults when it starts); the comparison
itself is :func:`kl_mobility.planning.window.hindsight_window`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kl_mobility.config import ConfigError, check_range
from kl_mobility.errors import InputError

__all__ = ["DEFAULT_FROM_S", "DEFAULT_MAX_REQUESTS", "DEFAULT_SPAN_S", "HindsightWindow",
           "clock", "demand_source"]

DEFAULT_FROM_S = 7 * 3600
"""Default window start: 07:00, in the morning peak."""
DEFAULT_SPAN_S = 15 * 60
"""Default window length when no end is given: 15 minutes."""
DEFAULT_MAX_REQUESTS = 50
"""Default cap on the window's requests (a static solve of hundreds is out of scope)."""


def clock(t: float) -> str:
    """Seconds since midnight -> ``"HH:MM"`` (hours past 24 kept: 24:30)."""
    t = int(t)
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}"


@dataclass(frozen=True)
class HindsightWindow:
    """Which part of the day a hindsight comparison takes and how hard it searches.

    ``from_s``/``to_s``: desired pickups in ``[from_s, to_s)`` (``to_s`` ``None``:
    ``from_s +`` :data:`DEFAULT_SPAN_S`); ``max_requests``: keep the earliest N of them
    (``None``: no cap); ``fleet_size``: only the first N vehicles of the eligible types
    (``None``: all); ``time_limit_s``: seconds of the hindsight search;
    ``include_turned_away``: also plan the requests online dispatch turned away. Invalid
    values raise :class:`~kl_mobility.errors.InputError` (or
    :class:`~kl_mobility.config.ConfigError` for ``fleet_size``) naming the option.
    """

    from_s: int = DEFAULT_FROM_S
    to_s: int | None = None
    max_requests: int | None = DEFAULT_MAX_REQUESTS
    fleet_size: int | None = None
    time_limit_s: float = 60.0
    include_turned_away: bool = False

    def __post_init__(self) -> None:
        if self.to_s is None:
            object.__setattr__(self, "to_s", self.from_s + DEFAULT_SPAN_S)
        try:
            check_range("time_limit_s", self.time_limit_s, 0.0, lo_open=True)
        except ValueError as exc:
            raise InputError(f"--time-limit: {exc}") from exc
        if self.end_s <= self.from_s:
            raise InputError(f"the window must end after it starts: {clock(self.from_s)}-"
                             f"{clock(self.end_s)}")
        if self.fleet_size is not None and self.fleet_size < 1:
            raise ConfigError(f"--fleet must be >= 1, got {self.fleet_size}")

    @property
    def end_s(self) -> int:
        """The window's end (exclusive), ``to_s`` once resolved."""
        assert self.to_s is not None
        return self.to_s



def demand_source(settled: Any = None, *, first_round: bool = False,
                  max_rounds: int = 1) -> dict[str, Any]:
    """The ``demand`` record of a :class:`HindsightRun`: from a
    :class:`kl_mobility.runner.SettledDemand` (the settled day), or the first round
    (``first_round``) or a day that does not depend on the service (neither)."""
    if settled is not None:
        last = settled.history[-1]
        return {"requests_from": "settled" if settled.feedback else "fixed",
                "round": settled.final_round, "rounds": settled.n_rounds,
                "max_rounds": settled.rounds.max_rounds,
                "converged": bool(settled.converged),
                "requests_gap": float(last["requests_gap"]),
                "level_gap": float(last["level_gap"])}
    return {"requests_from": "first_round" if first_round else "fixed", "round": 0,
            "rounds": None if first_round else 1, "max_rounds": max_rounds,
            "converged": None if first_round else True, "requests_gap": None,
            "level_gap": None}
