"""The event clock of the engine: integer seconds, processes as generators of delays.

A process is a generator that yields how many seconds to wait (an ``int >= 0``) and is
resumed that much later. :class:`Clock` runs them in exactly the order simpy's
``Environment`` runs the same processes written as ``yield env.timeout(delay)``
(``simpy.Environment.process`` / ``run`` without ``until``), which is what the engine was
first written against:

- a resumption is due at ``now + delay``; due resumptions run by time, and at equal times
  in the order their waits began (simpy's event id, a counter over scheduled events);
- a process started with :meth:`Clock.process` runs its first step at the current time,
  after the step that started it and before any resumption due at that time (simpy's
  ``Initialize`` event, scheduled *urgent*); several started processes run in the order
  they were started.

simpy's events for a finished process and for the start of one also draw event ids; they
carry no callbacks here, and leaving them out does not change the order of the others, as
ids only compare. The clock has none of simpy's generality (no shared events, interrupts,
resources or conditions) and so none of its per-event objects: one heap tuple per wait.

:meth:`Clock.call_at` is the short form of the most common process, one that waits once
and then calls a function (a vehicle's planned arrival): it runs in exactly the order that
process would, without a generator.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator
from typing import Any

__all__ = ["Clock", "Process"]

Process = Generator[int, Any, Any]
"""A process: a generator yielding delays in whole seconds."""

Timer = tuple[int, Callable[..., Any], tuple[Any, ...]]
"""A call due at a time: ``(time, function, arguments)`` (:meth:`Clock.call_at`)."""


class Clock:
    """Integer-second event clock (module docstring). ``now``: the current time, starting
    at ``t0``."""

    __slots__ = ("_eid", "_queue", "_starting", "now")

    def __init__(self, t0: int = 0) -> None:
        self.now = int(t0)
        self._queue: list[tuple[int, int, Process | Timer]] = []
        self._starting: list[Process | Timer] = []
        self._eid = 0

    def process(self, gen: Process) -> None:
        """Start ``gen``: its first step runs at the current time, after the current step."""
        self._starting.append(gen)

    def call_at(self, t: int, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` at time ``t`` (``>= now``), in the order of a process started
        now that yields ``t - now`` and then calls it: its wait begins after the current
        step, with the processes started in it."""
        self._starting.append((int(t), fn, args))

    def _advance(self, gen: Process) -> None:
        try:
            delay = next(gen)
        except StopIteration:
            return
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        self._eid += 1
        heapq.heappush(self._queue, (self.now + int(delay), self._eid, gen))

    def _start(self) -> None:
        starting = self._starting
        k = 0
        while k < len(starting):  # started while starting: after the ones before
            item = starting[k]
            if type(item) is tuple:
                if item[0] < self.now:
                    raise ValueError(f"negative delay {item[0] - self.now}")
                self._eid += 1
                heapq.heappush(self._queue, (item[0], self._eid, item))
            else:
                self._advance(item)  # type: ignore[arg-type]
            k += 1
        starting.clear()

    def run(self) -> None:
        """Run until no process waits any more."""
        queue, pop, advance = self._queue, heapq.heappop, self._advance
        self._start()
        while queue:
            t, _, item = pop(queue)
            self.now = t
            if type(item) is tuple:
                item[1](*item[2])
            else:
                advance(item)  # type: ignore[arg-type]
            if self._starting:
                self._start()
