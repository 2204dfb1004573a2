"""tqdm progress bars behind the :class:`kl_mobility.progress.ProgressCallback` protocol."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["TqdmProgress"]


class TqdmProgress:
    """One tqdm bar per task name; a bar closes when ``done >= total > 0``."""

    def __init__(self, *, disable: bool | None = None) -> None:
        self._bars: dict[str, Any] = {}
        self._disable = disable

    def __call__(self, task: str, done: float, total: float) -> None:
        bar = self._bars.get(task)
        if bar is None:
            from tqdm import tqdm  # imported on the first bar: a quiet run never needs it

            bar = tqdm(total=total or None, desc=task, file=sys.stderr, leave=False,
                       disable=self._disable, dynamic_ncols=True)
            self._bars[task] = bar
        if total and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()
        if total and done >= total:
            bar.close()
            del self._bars[task]

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
