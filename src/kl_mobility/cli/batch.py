"""CLI commands of the batch area."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add this area's commands to the top-level parser."""
