"""The reference clock: :class:`kl_mobility.sim.clock.Clock`'s interface on a
``simpy.Environment``.

Each delay a process yields becomes ``yield env.timeout(delay)``, as the engine's processes
were first written. It exists to check the engine's own clock against simpy (the engine run
on either clock gives the same day) and to time the engine against that reference; the
engine itself never uses it. It shares no code with :mod:`kl_mobility.sim.clock`, so a
change of that clock's order shows as a difference.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

__all__ = ["SimpyClock"]


class SimpyClock:
    """:class:`~kl_mobility.sim.clock.Clock`'s interface (``now``, ``process``, ``call_at``,
    ``run``)
    on ``simpy.Environment(initial_time=t0)`` (module docstring)."""

    def __init__(self, t0: int = 0) -> None:
        import simpy

        self.env = simpy.Environment(initial_time=t0)

    @property
    def now(self) -> int:
        """The current time (s)."""
        return int(self.env.now)

    def process(self, gen: Generator[int, Any, Any]) -> None:
        """Start ``gen`` as a simpy process."""
        self.env.process(self._wrap(gen))

    def call_at(self, t: int, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` at ``t``: a process that waits ``t - now`` and then calls it."""
        def timer() -> Generator[int, Any, None]:
            yield t - self.now
            fn(*args)

        self.process(timer())

    def _wrap(self, gen: Generator[int, Any, Any]) -> Generator[Any, Any, None]:
        for delay in gen:
            yield self.env.timeout(delay)

    def run(self) -> None:
        """Run until no process waits any more."""
        self.env.run()
