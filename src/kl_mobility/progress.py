"""Progress reporting through a callback, so the engine itself never prints.

Long-running functions accept ``progress: ProgressCallback | None``. They call it as
``progress(task, done, total)``; ``total`` may be 0 when unknown. The CLI attaches tqdm bars.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["ProgressCallback", "report"]


class ProgressCallback(Protocol):
    def __call__(self, task: str, done: float, total: float) -> None: ...


def report(progress: ProgressCallback | None, task: str, done: float, total: float) -> None:
    """Call ``progress`` if one is attached."""
    if progress is not None:
        progress(task, done, total)
