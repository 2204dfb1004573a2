"""Mutation testing of kl-mobility's core: one plausible bug at a time, targeted tests.

A test suite is only as good as the bugs it notices. This script injects small textual bugs
(*mutants*) into the core modules one at a time, runs the tests that claim to cover that
code and records whether they fail (the mutant is *killed*) or pass (it *survived*: the
tests are blind to that bug, unless the mutant is *equivalent*, i.e. the program still
behaves the same).

Usage (from the repository root, with the project's environment active)::

    python tools/mutate.py list [TARGET ...]            # the mutants a run would try
    nice -n 10 python tools/mutate.py run [TARGET ...] [--out mutants.jsonl]
    python tools/mutate.py summary [TARGET ...] --out mutants.jsonl   # rates, survivors

``TARGET`` names entries of :data:`TARGETS` (default: all). ``--tree DIR`` mutates a copy
of another tree (e.g. ``git archive`` of an older commit, to measure its tests). ``--seed`` changes the draw,
``-n`` the number of mutants per target, ``--timeout`` the seconds allowed per test run
(default: 5 x the unmutated run, at least 60 s).

Targets
-------
Each :class:`Target` names a source file (relative to ``src/kl_mobility``), the functions
whose bodies are mutated (``Class.method`` for methods), the tests that should notice a bug
there (pytest node ids, kept short: a mutant runs them all; files not in the tree are left
out, so an older tree runs the tests it has), lines left alone (``skip``, a regular expression: message formatting, hash lengths), extra
environment variables of the test run (``NUMBA_DISABLE_JIT=1`` where pure Python is quicker than compiling a mutated
kernel; smaller example counts of property tests) and how many mutants to draw.

Mutation operators (applied to Python tokens, never inside strings or comments):

- comparison flips: ``<`` <-> ``<=``, ``>`` <-> ``>=``, ``==`` <-> ``!=``;
- sign swaps: ``+`` <-> ``-``, ``+=`` <-> ``-=``; ``*`` -> ``/``;
- off-by-one constants: an integer ``k`` -> ``k + 1`` and ``k - 1``; a float ``x`` -> ``x + 1``;
- logic: ``and`` <-> ``or``, ``True`` <-> ``False``, ``min`` <-> ``max``, ``break`` ->
  ``continue``, ``not`` dropped, ``is`` -> ``is not``.

A target may add hand-written mutants (``manual``: a regular-expression substitution on
the first line that matches, e.g. a limit's constant or a window loosened by 5 s). Every candidate
of a target's functions is listed; ``n`` are drawn without replacement
with a generator seeded by the target's name and ``--seed`` (so a function gets mutants in
proportion to its code), weighted by kind (:data:`_WEIGHT`: comparisons 3, logic and sign
swaps 2, constants 1) so that the likelier slips come up more often. A candidate that does
not compile is never drawn.

Isolation: the tree (``src``, ``tests``, ``pyproject.toml``) is copied once into a fresh
temporary folder (never a working tree) with a ``shared`` link beside it to the data folder
next to the repository, so fixtures find the OSM extract and the benchmark instances as
they do in the repository. Each mutant rewrites one file there, the tests run with
``PYTHONPATH=<copy>/src`` under a timeout (the whole process group is killed when it
expires), and the file is restored with its original modification time (numba's on-disk
cache of the unmutated kernels stays valid).

Outcomes: ``killed`` (a test failed or errored), ``timeout`` (counted as killed: the bug
makes the tests hang), ``survived`` (every test passed) and ``incompetent`` (the mutant
fails before any test runs, e.g. an import error; left out of the rate). The unmutated
tests run first and must pass with nothing skipped, else the run stops: a skipped test
would let mutants survive for the wrong reason.

Report: one JSON line per mutant in ``--out`` (target, ``file:line``, function, the line
before and after, outcome, the first failing test, seconds), written as each mutant
finishes, and a summary per target on stdout. :data:`EQUIVALENT` lists mutants judged
equivalent (by their id) with the reason; they are reported apart and left out of the kill
rate, which is ``killed / (killed + survived)`` over the non-equivalent mutants.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@dataclass(frozen=True)
class Target:
    """A source file, the functions mutated in it and the tests that should notice."""

    name: str
    path: str  # relative to src/kl_mobility; "a|b": the first that exists (moved modules)
    functions: tuple[str, ...]
    tests: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    n: int = 20
    skip: str = ""  # regular expression: lines not mutated (e.g. message formatting)
    allow_skips: int = 0  # tests the unmutated run may skip (e.g. "already without JIT")
    manual: tuple[tuple[str, str], ...] = ()  # hand-written (regex, replacement) mutants


_NOJIT = {"NUMBA_DISABLE_JIT": "1"}  # pure Python beats compiling a mutated kernel

TARGETS: tuple[Target, ...] = (
    Target("insertion", "kernels/insertion.py",
           ("_legs", "_finish_legs", "_finish_waits", "_detour_bound", "_insert_vehicle",
            "_best_insertion", "_cost_matrix", "_start_states", "_best_insertion_at"),
           ("tests/kernels/test_insertion.py", "tests/kernels/test_insertion_eligibility.py",
            "tests/sim/test_handchecked.py"),
           {"KL_INSERTION_EXAMPLES": "300", **_NOJIT}, n=30, allow_skips=1),
    Target("service", "service.py|sim/setup.py",
           ("make_requests", "in_service_hours", "past_midnight", "wrap_past_midnight",
            "_offsets", "depot_nodes", "pickup_deadline", "dropoff_deadline", "dwell_s",
            "at_boundary", "external_offsets", "structural_reasons", "desired_pickup_s",
            "optional_times", "type_hours"),
           ("tests/sim/test_handchecked.py", "tests/sim/test_external_zones.py",
            "tests/sim/test_type_hours.py", "tests/sim/test_service_rules.py"), _NOJIT, n=20),
    Target("setup", "sim/setup.py", ("make_requests",),
           ("tests/sim/test_handchecked.py", "tests/sim/test_external_zones.py",
            "tests/sim/test_type_hours.py", "tests/sim/test_service_rules.py"), _NOJIT, n=12),
    Target("engine-rules", "sim/engine.py",
           ("Engine._ticker", "Engine._pickup_deadline", "Engine._req_args", "Engine._serve_stop",
            "Engine.cost_matrix"),
           ("tests/sim/test_handchecked.py", "tests/sim/test_external_zones.py",
            "tests/sim/test_type_hours.py", "tests/sim/test_service_rules.py"), _NOJIT, n=12),
    # the engine's clock against simpy itself (kl_mobility.sim.simpyclock.SimpyClock)
    Target("clock", "sim/clock.py", ("Clock.process", "Clock.call_at", "Clock._advance",
                                     "Clock._start", "Clock.run"),
           ("tests/sim/test_clock.py::test_clock_order_is_simpys",
            "tests/sim/test_clock.py::test_negative_delay_is_an_error",
            "tests/sim/test_clock.py::test_timed_calls_run_in_the_order_of_processes",
            "tests/sim/test_clock.py::test_timed_call_in_the_past_is_an_error"), n=12,
           skip=r"raise ValueError"),
    Target("emissions", "emissions.py", ("*",),
           ("tests/test_emissions.py", "tests/test_emissions_factors.py"), n=25),
    Target("citywide", "citywide.py", ("served_pkm_by_alt_mode", "city_co2"),
           ("tests/test_citywide.py", "tests/test_citywide_entries.py"), n=12),
    Target("checker", "routing/checker.py", ("*",),
           ("tests/routing/test_routing_checker.py", "tests/routing/test_checker_reports.py",
            "tests/routing/test_insertion_scan.py",
            "tests/routing/test_routing_ges.py::test_insertion_check_agrees_with_checker"),
           n=20),
    Target("scan", "kernels/routing_insertion.py|routing/ges.py",
           ("schedule", "ride_duration_ok", "build", "insertion_delta", "scan_insertion",
            "_schedule", "_full_ok", "_build", "_ins_delta", "_scan_insertion"),
           ("tests/routing/test_insertion_scan.py",
            "tests/routing/test_routing_ges.py::test_scan_insertion_equals_brute_force"),
           _NOJIT, n=20, manual=(
               # a pickup, a delivery and a carried stop's window loosened by 5 s
               (r"(?<=^        if t > l\[p\] \+ )_?EPS(?=:)", r"\g<0> + 5.0"),
               (r"(?<=if td <= l\[d\] \+ )_?EPS(?=:)", r"\g<0> + 5.0"),
               (r"(?<=if t > z\[j\] \+ )_?EPS(?=:)", r"\g<0> + 5.0"))),
    Target("snapping", "network/snapping.py", ("snap", "nearest_nodes"),
           ("tests/network/test_snap_limit.py", "tests/network/test_tiny.py",
            "tests/demand/test_demand_io.py"), n=8, skip=r"f\"|more = ",
           manual=((r"(?<=DEFAULT_MAX_SNAP_M = )500\.0", "501.0"),
                   (r"(?<=DEFAULT_MAX_SNAP_M = )500\.0", "499.0"))),
    Target("modechoice", "demand/modechoice.py",
           ("_base_utilities", "_ondemand_utility", "mode_probabilities", "expected_shares",
            "calibrate_asc"),
           ("tests/demand/test_demand_modechoice.py", "tests/demand/test_logit_formula.py"),
           n=15),
    Target("rebalancing", "dispatch/policies.py", ("_largest_remainder",),
           ("tests/dispatch/test_largest_remainder.py", "tests/dispatch/test_policies.py"),
           n=10),
    Target("batch", "batch.py",
           ("_package_digest", "code_version", "run_key", "default_batch_name", "plan_batch",
            "_finished", "_json_safe", "execute_run", "run_batch", "BatchResult.counts"),
           ("tests/test_batch_resume.py", "tests/test_batch.py"), n=20, skip=r"traceback|tb\[|indent=|detail|hexdigest"),
)

_WEAKER_BOUND = ("only weakens a lower bound or a pruning test of the search; every vehicle "
                 "that can be best is still evaluated exactly, same result")

_UNREAD_POSITION = ("the insertion positions of a request the type does not offer stay with an "
                    "INFEASIBLE cost, and the assignment never takes an INFEASIBLE pair: "
                    "never read")

#: Mutants judged equivalent (same behaviour), by id, with the reason.
EQUIVALENT: dict[str, str] = {
    "sim/clock.py:Clock._advance:self._eid += 1@21:1>2":
        "event ids counting in steps of 2 order the same: ids only compare",
    "kernels/insertion.py:_detour_bound:if c < x:@13:<><=":
        "a minimum taken with <= instead of <: same value",
    "kernels/insertion.py:_cost_matrix:if np.int64(start_time[v]) + ttT[o[r], start_node[v]]"
    " > late_pick[r]:@39:+>-": _WEAKER_BOUND,
    "kernels/insertion.py:_best_insertion_at:reach = st_time[k] + to_o[st_node[k]]@27:+>-":
        _WEAKER_BOUND,
    "kernels/insertion.py:_best_insertion_at:if cost_kind == 2:#0@28:2>3": _WEAKER_BOUND,
    "kernels/insertion.py:_best_insertion_at:if cost_kind == 2:#1@28:2>3": _WEAKER_BOUND,
    "kernels/insertion.py:_best_insertion_at:lb += wait#0@19:+=>-=": _WEAKER_BOUND,
    "kernels/insertion.py:_best_insertion_at:lb += wait#1@19:+=>-=": _WEAKER_BOUND,
    "kernels/insertion.py:_best_insertion_at:for q in range(1, nk):@19:1>2":
        "changes only which vehicle gives the first upper bound; all vehicles whose bound "
        "does not exceed the best are evaluated after it, ties broken by vehicle id",
    "kernels/insertion.py:_best_insertion_at:if q != first and lbs[q] <= best:@30:and>or":
        "the first vehicle is evaluated a second time (same cost, not taken again) and "
        "vehicles above the best bound are cut off by the sorted loop's break",
    "sim/setup.py:make_requests:vehicle=np.full(n, -1, np.int64), assigned_type=np.full(n, "
    "-1, np.int64),@27:->+":
        "the initial vehicle is read only for served requests, whose vehicle commit sets",
    "sim/setup.py:make_requests:vehicle=np.full(n, -1, np.int64), assigned_type=np.full(n, "
    "-1, np.int64),@28:1>2":
        "the initial vehicle is read only for served requests, whose vehicle commit sets",
    "sim/setup.py:make_requests:pickup_s=np.full(n, -1, np.int64), dropoff_s=np.full(n, "
    "-1, np.int64),@28:->+":
        "the initial pickup time is read only for served requests, set at their pickup",
    "sim/setup.py:make_requests:pickup_s=np.full(n, -1, np.int64), dropoff_s=np.full(n, "
    "-1, np.int64),@64:->+":
        "the initial drop-off time is read only for served requests, set at their drop-off",
    "sim/setup.py:make_requests:d = np.full(shape, -1, np.int64)@24:1>2":
        "every type's row of d is overwritten in the loop below (np.where(ok, sd, -1))",
    "sim/engine.py:Engine._serve_stop:off_m = float(req.off_o_m[r] if delta > 0 else "
    "req.off_d_m[r])@46:>>>=": "a stop's delta is +party or -party, never 0",
    "sim/engine.py:Engine._serve_stop:if off_m > 0:  # out to the external zone with the "
    "load before the stop, back after@17:>>>=":
        "an out-and-back drive of 0 m adds exactly 0.0 to every counter",
    "sim/engine.py:Engine.cost_matrix:ii = np.full(c.shape, -1, np.int64)@34:->+":
        _UNREAD_POSITION,
    "sim/engine.py:Engine.cost_matrix:ii = np.full(c.shape, -1, np.int64)@35:1>0":
        _UNREAD_POSITION,
    "sim/engine.py:Engine.cost_matrix:ii = np.full(c.shape, -1, np.int64)@35:1>2":
        _UNREAD_POSITION,
    "sim/engine.py:Engine.cost_matrix:jj = np.full(c.shape, -1, np.int64)@34:->+":
        _UNREAD_POSITION,
    "sim/engine.py:Engine._serve_stop:if delta > 0:@17:>>>=":
        "a stop's delta is +party or -party, never 0",
    "routing/checker.py:check_routes:elif a[1] > b[1]:@18:>>>=":
        "pickup and delivery of one request never share a position (a location visited "
        "twice is refused before)",
    "routing/ges.py:_scan_insertion:if t > l[p] + _EPS:@13:>>>=":
        "differs only when a time equals the window plus the 1e-7 tolerance exactly",
    "kernels/routing_insertion.py:scan_insertion:if t > l[p] + EPS:@13:>>>=":
        "differs only when a time equals the window plus the 1e-7 tolerance exactly",
    "demand/modechoice.py:mode_probabilities:vmax = v.max(axis=0)@13:max>min":
        "the logit is invariant to the shift; max only guards against overflow, which "
        "utilities of a city's trips do not reach",
    "demand/modechoice.py:calibrate_asc:shares = np.zeros(4)@22:4>3":
        "the initial value is overwritten in the first iteration (max_iter >= 1)",
    "demand/modechoice.py:calibrate_asc:if np.max(np.abs(shares - target)) < tol:@43:<><=":
        "differs only when the gap equals the tolerance exactly",
    "kernels/routing_insertion.py:ride_duration_ok:if maxride[x] < np.inf:@30:<><=":
        "counts every pickup as a limit: only more passes are allowed; a feasible system "
        "reaches its fixed point as before and an infeasible one still ends False",
    "kernels/routing_insertion.py:ride_duration_ok:if b[kp] < need - EPS:@25:<><=":
        "differs only when a start equals the needed bound minus the tolerance exactly",
    "kernels/routing_insertion.py:scan_insertion:return i, j, 0.0@41:0.0>1.0":
        "the cost returned in mode 2 (first found) is never read by a caller",
    "routing/ges.py:_scan_insertion:break#0@16:break>continue":
        "this break is at j = n + 1, the last iteration of the loop: continue ends it too",
    "kernels/routing_insertion.py:scan_insertion:break#0@16:break>continue":
        "this break is at j = n + 1, the last iteration of the loop: continue ends it too",
    "dispatch/policies.py:_largest_remainder:if total <= 0 or weights.sum() <= 0:@13:<=><":
        "with total = 0 the shares are 0 and nothing is left over: zeros either way",
    "batch.py:execute_run:tmp.mkdir(parents=True, exist_ok=True)@26:True>False":
        "the temporary folder's parent was created two lines before",
    "batch.py:run_batch:futures = {client.submit(execute_run, specs[i], run_fn, pure=False,"
    "@73:False>True": "every task gets its own explicit key, so Dask never hashes it",
}

_FLIPS = {"<": ("<=",), "<=": ("<",), ">": (">=",), ">=": (">",), "==": ("!=",),
          "!=": ("==",), "+": ("-",), "-": ("+",), "+=": ("-=",), "-=": ("+=",), "*": ("/",)}
_NAMES = {"and": ("or",), "or": ("and",), "True": ("False",), "False": ("True",),
          "min": ("max",), "max": ("min",), "break": ("continue",), "not": ("",),
          "is": ("is not",)}


@dataclass(frozen=True)
class Mutant:
    target: str
    path: str
    function: str
    line: int  # 1-based line in the file
    col: int
    old: str
    new: str
    before: str
    after: str
    occurrence: int = -1  # k-th line of this text in the function, when the text repeats

    @property
    def id(self) -> str:
        """Stable while the function's body does not change: the function, the line's text
        (with its occurrence number when the function repeats that line, e.g. ``break``)
        and the token's column in it."""
        occ = f"#{self.occurrence}" if self.occurrence >= 0 else ""
        return (f"{self.path}:{self.function}:{self.before.strip()}{occ}@{self.col}:"
                f"{self.old}>{self.new}")


def _functions(tree: ast.AST, wanted: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """(qualified name, first body line, last line) of the wanted functions."""
    out = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                q = prefix + child.name
                if "*" in wanted or q in wanted:
                    out.append((q, child.body[0].lineno, child.end_lineno or child.lineno))
                visit(child, f"{q}.")

    visit(tree, "")
    return out


def resolve(target: Target, root: Path) -> str:
    """The target's file in tree ``root`` (the first of its ``|`` alternatives there)."""
    for rel in target.path.split("|"):
        if (root / "src" / "kl_mobility" / rel).is_file():
            return rel
    raise SystemExit(f"{target.name}: none of {target.path} in {root}")


def candidates(target: Target, root: Path = ROOT) -> list[Mutant]:
    """Every mutant the operators give in the target's functions (docstrings excluded).
    Functions may be listed under old and new names: those found are used, at least one
    must be."""
    rel = resolve(target, root)
    path = root / "src" / "kl_mobility" / rel
    src = path.read_text(encoding="utf-8")
    tree = ast.parse(src)
    funcs = _functions(tree, target.functions)
    if not funcs:
        raise SystemExit(f"{target.name}: none of the functions {target.functions} in {rel}")
    lines = src.splitlines(keepends=True)
    toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    out: list[Mutant] = []
    for k, tok in enumerate(toks):
        (ln, col), (eln, ecol) = tok.start, tok.end
        if ln != eln:
            continue
        owner = None
        for q, a, b in funcs:  # innermost: the last (nested functions come after)
            if a <= ln <= b:
                owner = q
        if owner is None:
            continue
        news: tuple[str, ...] = ()
        if tok.type == tokenize.OP:
            news = _FLIPS.get(tok.string, ())
        elif tok.type == tokenize.NAME and tok.string in _NAMES:
            nxt = toks[k + 1].string if k + 1 < len(toks) else ""
            if tok.string in ("min", "max") and nxt != "(":
                continue
            news = _NAMES[tok.string]
        elif tok.type == tokenize.NUMBER:
            s = tok.string.replace("_", "")
            if re.fullmatch(r"\d+", s):
                v = int(s)
                news = (str(v + 1),) + ((str(v - 1),) if v >= 1 else ())
            elif re.fullmatch(r"\d*\.\d*(e[+-]?\d+)?", s, re.I):
                news = (repr(float(s) + 1.0),)
        line = lines[ln - 1]
        if target.skip and re.search(target.skip, line):
            continue
        for new in news:
            after = line[:col] + new + line[ecol:]
            mutated = "".join(lines[:ln - 1]) + after + "".join(lines[ln:])
            try:
                compile(mutated, str(path), "exec")
            except SyntaxError:
                continue
            out.append(Mutant(target.name, rel, owner, ln, col, tok.string, new,
                              line.rstrip("\n"), after.rstrip("\n"),
                              _occurrence(lines, funcs, owner, ln)))
    return out


def _occurrence(lines: list[str], funcs: list[tuple[str, int, int]], owner: str,
                ln: int) -> int:
    """Index of line ``ln`` among the lines of ``owner`` with the same text, -1 if unique."""
    a, b = next((a, b) for q, a, b in funcs if q == owner)
    text = lines[ln - 1].strip()
    same = [k for k in range(a, b + 1) if lines[k - 1].strip() == text]
    return same.index(ln) if len(same) > 1 else -1


def draw(target: Target, seed: int, n: int | None = None, root: Path = ROOT) -> list[Mutant]:
    """``n`` candidates drawn without replacement, weighted by kind, seeded by name and seed,
    plus the target's hand-written mutants."""
    n = target.n if n is None else n
    rng = random.Random(f"{target.name}:{seed}")
    pool = candidates(target, root)
    chosen: list[Mutant] = []
    while pool and len(chosen) < n:
        k = rng.choices(range(len(pool)), weights=[_WEIGHT[_kind(m)] for m in pool])[0]
        chosen.append(pool.pop(k))
    chosen += manual(target, root)
    return sorted(chosen, key=lambda m: (m.line, m.col, m.new))


def manual(target: Target, root: Path = ROOT) -> list[Mutant]:
    """The target's hand-written mutants: each ``(pattern, replacement)`` is a regular
    expression substitution on the first line (of the whole file) that matches."""
    rel = resolve(target, root)
    src = (root / "src" / "kl_mobility" / rel).read_text(encoding="utf-8")
    lines = src.splitlines(keepends=True)
    funcs = _functions(ast.parse(src), ("*",))
    out = []
    for pattern, repl in target.manual:
        hits = [k for k, line in enumerate(lines) if re.search(pattern, line)]
        if not hits:
            raise SystemExit(f"{target.name}: no line of {rel} matches {pattern!r}")
        k = hits[0]
        line = lines[k].rstrip("\n")
        match = re.search(pattern, line)
        assert match is not None
        owner = "<module>"
        for q, a, b in funcs:
            if a <= k + 1 <= b:
                owner = q
        after = re.sub(pattern, repl, line, count=1)
        out.append(Mutant(target.name, rel, owner, k + 1, match.start(), match.group(0),
                          after[match.start():match.start() + len(match.group(0))
                                + len(after) - len(line)], line, after))
    return out


#: Draw weights by kind of change: comparisons and logic are the likelier slips.
_WEIGHT = {"compare": 3.0, "logic": 2.0, "arith": 2.0, "const": 1.0}


def _kind(m: Mutant) -> str:
    if m.old in ("<", "<=", ">", ">=", "==", "!="):
        return "compare"
    if m.old in _NAMES:
        return "logic"
    if m.old in _FLIPS:
        return "arith"
    return "const"


def _scratch(root: Path) -> Path:
    """A fresh copy of the tree ``root`` to mutate, with ``shared`` beside it."""
    base = Path(tempfile.mkdtemp(prefix="kl-mutate-"))
    tree = base / "tree"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc", ".hypothesis")
    tree.mkdir()
    for name in ("src", "tests"):
        shutil.copytree(root / name, tree / name, ignore=ignore)
    shutil.copy2(root / "pyproject.toml", tree / "pyproject.toml")
    if SHARED.is_dir():
        (base / "shared").symlink_to(SHARED.resolve())
    return tree


_SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")


def _pytest(tree: Path, target: Target, timeout: float) -> tuple[str, str, float, dict]:
    """Run the target's tests in ``tree``: (outcome, first failing test, seconds, counts)."""
    env = {**os.environ, **target.env, "PYTHONPATH": str(tree / "src"),
           "KL_MOBILITY_CACHE": str(tree / "networks"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("KL_MOBILITY_OSM", None)
    tests = [t for t in target.tests if (tree / t.split("::")[0]).exists()]
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
           "--no-header", "-rfEs", *tests]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "timeout", "", time.perf_counter() - t0, {}
    secs = time.perf_counter() - t0
    tail = out.strip().splitlines()[-1] if out.strip() else ""
    counts = {k: int(v) for v, k in _SUMMARY.findall(tail)}
    failing = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, re.M)
    if proc.returncode == 0:
        return "survived", "", secs, counts
    if proc.returncode in (1,) and failing:
        return "killed", failing[0], secs, counts
    if proc.returncode == 2 or not failing:  # collection or import error, usage error
        err = re.findall(r"^E\s+(.*)$", out, re.M)
        return "incompetent", (err[-1] if err else tail)[:200], secs, counts
    return "killed", failing[0], secs, counts


def run(targets: list[Target], seed: int, n: int | None, out: Path | None,
        timeout: float | None, root: Path = ROOT) -> int:
    tree = _scratch(root)
    print(f"scratch copy: {tree}", flush=True)
    fh = out.open("a", encoding="utf-8") if out else None
    totals: dict[str, dict[str, int]] = {}
    try:
        for target in targets:
            mutants = draw(target, seed, n, tree)
            outcome, _, base_s, counts = _pytest(tree, target, timeout=1800)
            if outcome != "survived" or counts.get("skipped", 0) > target.allow_skips:
                print(f"{target.name}: the unmutated tests do not pass cleanly "
                      f"({outcome}, {counts}); target left out", flush=True)
                totals[target.name] = {"baseline_failed": 1}
                continue
            limit = timeout or max(60.0, 5.0 * base_s)
            print(f"{target.name}: {len(mutants)} mutants, tests {counts} in {base_s:.0f} s "
                  f"unmutated (limit {limit:.0f} s)", flush=True)
            tally = totals.setdefault(target.name, {})
            file = tree / "src" / "kl_mobility" / resolve(target, tree)
            original = file.read_text(encoding="utf-8")
            stat = file.stat()
            for m in mutants:
                lines = original.splitlines(keepends=True)
                assert lines[m.line - 1].rstrip("\n") == m.before
                lines[m.line - 1] = m.after + "\n"
                file.write_text("".join(lines), encoding="utf-8")
                try:
                    res, failing, secs, _ = _pytest(tree, target, limit)
                finally:
                    file.write_text(original, encoding="utf-8")
                    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
                if m.id in EQUIVALENT and res == "survived":
                    res = "equivalent"
                tally[res] = tally.get(res, 0) + 1
                row = {"target": m.target, "where": f"{m.path}:{m.line}", "function": m.function,
                       "change": f"{m.old} -> {m.new}", "before": m.before.strip(),
                       "after": m.after.strip(), "outcome": res, "killed_by": failing,
                       "seconds": round(secs, 1), "id": m.id,
                       "equivalent_reason": EQUIVALENT.get(m.id, "")}
                print(f"  {res:11s} {m.path}:{m.line} {m.function}: {m.old} -> {m.new}"
                      f"   {failing}", flush=True)
                if fh:
                    fh.write(json.dumps(row) + "\n")
                    fh.flush()
    finally:
        if fh:
            fh.close()
        shutil.rmtree(tree.parent, ignore_errors=True)
    print("\ntarget         killed  timeout survived equivalent incompetent  kill rate")
    for name, t in totals.items():
        if "baseline_failed" in t:
            print(f"{name:14s} (tests do not pass unmutated)")
            continue
        k, to, s = t.get("killed", 0), t.get("timeout", 0), t.get("survived", 0)
        rate = (k + to) / (k + to + s) if k + to + s else float("nan")
        print(f"{name:14s} {k:6d} {to:8d} {s:8d} {t.get('equivalent', 0):10d} "
              f"{t.get('incompetent', 0):11d}  {rate:8.1%}")
    return 0


def summary(path: Path, only: list[str]) -> int:
    """Per target: outcomes and kill rate of a report, equivalents by :data:`EQUIVALENT`
    (as it is now: a later judgement applies to earlier reports too); then the survivors."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if not only or r["target"] in only]
    for r in rows:
        if r["outcome"] in ("survived", "equivalent"):
            r["outcome"] = "equivalent" if r["id"] in EQUIVALENT else "survived"
    print("target         mutants killed timeout survived equivalent incompetent  kill rate")
    tot: dict[str, int] = {}
    for name in dict.fromkeys(r["target"] for r in rows):
        t: dict[str, int] = {}
        for r in rows:
            if r["target"] == name:
                t[r["outcome"]] = t.get(r["outcome"], 0) + 1
        for k, v in t.items():
            tot[k] = tot.get(k, 0) + v
        _line(name, t)
    _line("all", tot)
    print("\nsurvivors (not judged equivalent) and equivalents:")
    for r in rows:
        if r["outcome"] in ("survived", "equivalent"):
            why = f"  [equivalent: {EQUIVALENT[r['id']]}]" if r["outcome"] == "equivalent" else ""
            print(f"  {r['outcome']:10s} {r['where']} {r['function']}: {r['before']}  ==>  "
                  f"{r['after']}{why}")
    return 0


def _line(name: str, t: dict[str, int]) -> None:
    k, to, s = t.get("killed", 0), t.get("timeout", 0), t.get("survived", 0)
    n = sum(t.values())
    rate = (k + to) / (k + to + s) if k + to + s else float("nan")
    print(f"{name:14s} {n:7d} {k:6d} {to:7d} {s:8d} {t.get('equivalent', 0):10d} "
          f"{t.get('incompetent', 0):11d}  {rate:8.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("list", "run", "summary"))
    ap.add_argument("targets", nargs="*", help="target names (default: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-n", type=int, default=None, help="mutants per target")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per test run")
    ap.add_argument("--out", type=Path, default=None, help="JSON lines report (appended)")
    ap.add_argument("--tree", type=Path, default=ROOT,
                    help="tree to copy and mutate (default: this repository), e.g. an "
                    "export of an older commit to measure its tests")
    args = ap.parse_args(argv)
    if args.command == "summary":
        if args.out is None:
            ap.error("summary needs --out FILE (a report of an earlier run)")
        return summary(args.out, args.targets)
    names = {t.name: t for t in TARGETS}
    bad = [t for t in args.targets if t not in names]
    if bad:
        ap.error(f"unknown target(s) {bad}; valid: {', '.join(names)}")
    targets = [names[t] for t in args.targets] if args.targets else list(TARGETS)
    if args.command == "list":
        for t in targets:
            ms = draw(t, args.seed, args.n, args.tree)
            print(f"{t.name}: {len(ms)} of {len(candidates(t, args.tree))} candidates")
            for m in ms:
                print(f"  {m.path}:{m.line} {m.function}: {m.old} -> {m.new}   | {m.after.strip()}")
        return 0
    return run(targets, args.seed, args.n, args.out, args.timeout, args.tree.resolve())


if __name__ == "__main__":
    sys.exit(main())
