"""Command-line interface: ``kl-mobility <command> ...``.

The only place that configures logging, progress bars and exit codes. Each command group
lives in its own module exposing ``register(subparsers)``; errors derived from
:class:`kl_mobility.errors.InputError` are printed as one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import typing
from collections.abc import Sequence

from kl_mobility import __version__
from kl_mobility.errors import InputError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``kl-mobility: error: ...``), exit 2."""

    def error(self, message: str) -> typing.NoReturn:
        where = self.prog.removeprefix("kl-mobility").strip()
        self.exit(2, f"kl-mobility: error: {where + ': ' if where else ''}"
                     f"{message} (see --help)\n")


#: The command modules, in the order their commands are listed in ``--help``.
MODULES = ("network", "demand", "pt", "sim", "size", "routing", "research", "batch",
           "sensitivity")

#: The modules that register each command (``bench`` is shared). A command given on the
#: command line registers only its own modules: importing all of them pulls in OR-Tools,
#: the sensitivity analysis and their dependencies, over a second of every run's start.
#: Without a known command (``--help``, a typo) all modules are registered.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "network": ("network",), "demand": ("demand",), "pt": ("pt",), "run": ("sim",),
    "size": ("size",), "bench": ("routing", "research"), "hindsight": ("routing",),
    "plan": ("routing",), "instance": ("research",), "batch": ("batch",),
    "report": ("batch",), "sensitivity": ("sensitivity",)}


def _command(argv: Sequence[str]) -> str | None:
    """The command of ``argv``: its first word that is not an option (the top-level
    options take no value)."""
    return next((a for a in argv if not a.startswith("-")), None)


def _build_parser(command: str | None = None) -> argparse.ArgumentParser:
    import importlib

    names = COMMAND_MODULES.get(command or "", MODULES)
    parser = _Parser(
        prog="kl-mobility",
        description="Mobility-on-demand simulation and optimisation for Kaiserslautern.",
    )
    parser.add_argument("--version", action="version", version=f"kl-mobility {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in names:
        importlib.import_module(f"kl_mobility.cli.{name}").register(sub)
    return parser


GC_THRESHOLD = (10_000, 10, 10)
"""The garbage collector's thresholds of a ``kl-mobility`` process (Python's default
``(700, 10, 10)``): a run allocates millions of short-lived container objects, and with
the default every 700 of them start a collection of the youngest generation and every
7,000 one of the middle, which promote survivors until full collections walk the whole
heap, a tenth of a second each. Cycles wait at most 10,000 allocations longer."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kl-mobility`` console script; returns the exit code.

    Without ``argv`` (the console script, ``python -m kl_mobility.cli``) the process is
    the command's own: the collector runs with :data:`GC_THRESHOLD`, and at the end every
    object left is frozen (:func:`gc.freeze`) so that the interpreter's exit frees them
    without walking the heap for cycles (half a second after a run; the files are written
    and closed before). Called with ``argv`` (tests, other programs) the collector is left
    as it is."""
    if argv is not None:
        return _main(argv)
    gc.set_threshold(*GC_THRESHOLD)
    try:
        return _main(None)
    finally:
        gc.freeze()


def _main(argv: Sequence[str] | None) -> int:
    parser = _build_parser(_command(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad option (one line, code 2)
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"kl-mobility: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kl-mobility: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
