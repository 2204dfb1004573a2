"""Small edits of one vehicle's planned stops, over the engine's stop arrays.

``rows`` is the tuple of the stop arrays ``(sched_node, sched_early, sched_late,
sched_delta, sched_dwell, sched_req)`` (each ``[vehicles, max_stops]``); vehicle ``v``'s
schedule is the first ``m`` entries of row ``v`` (see :mod:`kl_mobility.kernels.insertion`).
The caller checks the positions and updates ``sched_len`` itself.
"""

from __future__ import annotations

from kl_mobility.kernels._options import njit

__all__ = ["count_full", "insert_stops", "pop_stop"]


@njit
def insert_stops(rows, v, m, i, j, pick, drop):
    """Put a pickup (field values ``pick``, one per array of ``rows``) before old stop ``i``
    and a drop-off (``drop``) before old stop ``j`` of vehicle ``v`` (``0 <= i <= j <= m``,
    ``m + 2 <= max_stops``): old stops ``i..j-1`` move one place, ``j..m-1`` two places."""
    for a in range(6):
        row = rows[a][v]
        for k in range(m - 1, j - 1, -1):
            row[k + 2] = row[k]
        for k in range(j - 1, i - 1, -1):
            row[k + 1] = row[k]
        row[i] = pick[a]
        row[j + 1] = drop[a]


@njit
def pop_stop(rows, v, m):
    """Drop the first of vehicle ``v``'s ``m`` stops: stops ``1..m-1`` move one place up."""
    for a in range(6):
        row = rows[a][v]
        for k in range(m - 1):
            row[k] = row[k + 1]


@njit
def count_full(vehicles, available, sched_len, max_len):
    """How many of ``vehicles`` are available with more than ``max_len`` planned stops."""
    n = 0
    for v in vehicles:
        if available[v] and sched_len[v] > max_len:
            n += 1
    return n
