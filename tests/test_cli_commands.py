"""The command line registers only the modules of the command it is given."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

import pytest

from kl_mobility.cli import COMMAND_MODULES, MODULES, _build_parser, _command, _Parser


def _commands_of(name: str) -> set[str]:
    parser = _Parser(prog="kl-mobility")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    importlib.import_module(f"kl_mobility.cli.{name}").register(sub)
    return set(sub.choices)


def _choices(parser: argparse.ArgumentParser) -> set[str]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(action.choices)


def test_command_table_matches_the_modules():
    registered: dict[str, list[str]] = {}
    for name in MODULES:
        for cmd in _commands_of(name):
            registered.setdefault(cmd, []).append(name)
    # every command of every module is in the table with exactly its modules, in order
    assert {c: tuple(m) for c, m in registered.items()} == COMMAND_MODULES


@pytest.mark.parametrize("command", sorted(COMMAND_MODULES))
def test_a_command_registers_its_own_modules(command):
    parser = _build_parser(command)
    expected = set().union(*(_commands_of(m) for m in COMMAND_MODULES[command]))
    assert _choices(parser) == expected
    assert command in expected


def test_no_or_unknown_command_registers_all():
    every = set(COMMAND_MODULES)
    assert _choices(_build_parser(None)) == every
    assert _choices(_build_parser("runn")) == every


def test_command_word():
    assert _command(["-v", "run", "x.toml", "--seed", "1"]) == "run"
    assert _command(["--version"]) is None
    assert _command([]) is None


def test_run_does_not_import_the_solver_or_the_sensitivity_analysis():
    code = ("import sys; from kl_mobility.cli import _build_parser; _build_parser('run'); "
            "print(sorted(m for m in ('ortools', 'kl_mobility.sensitivity', "
            "'kl_mobility.routing', 'tqdm', 'networkx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_typo_gets_a_one_line_error(capsys):
    from kl_mobility.cli import main

    assert main(["runn"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and len(err.strip().splitlines()) == 1
    # the program's name once, not "kl-mobility: error: kl-mobility: ..."
    assert err.startswith("kl-mobility: error: argument COMMAND: invalid choice"), err


def test_the_console_script_tunes_the_collector_and_freezes_at_the_end():
    """``main()`` (the console script) sets :data:`GC_THRESHOLD` and leaves the objects
    frozen for the exit (a process starts with Python's (700, 10, 10) and nothing
    frozen); ``main(argv)`` leaves the collector alone."""
    code = ("import gc, sys; from kl_mobility.cli import main; "
            "sys.argv = ['kl-mobility', '--version']; rc = main(); "
            "print(rc, gc.get_threshold(), gc.get_freeze_count() > 0); "
            "gc.unfreeze(); gc.set_threshold(700, 10, 10); rc = main(['--version']); "
            "print(rc, gc.get_threshold(), gc.get_freeze_count() > 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    lines = [line for line in out.stdout.splitlines() if not line.startswith("kl-mobility ")]
    assert lines == ["0 (10000, 10, 10) True", "0 (700, 10, 10) False"], out.stdout
