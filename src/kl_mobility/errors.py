"""Exceptions for bad input. The CLI prints them as one line and exits with code 2."""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(Exception):
    """A user's input (file, option, data row) that kl-mobility cannot use.

    The message names the file, line or key and says what is wrong; the CLI shows it as one
    line without a traceback.
    """
