"""How fast ``orch select`` lists the tests a one-file change can break, against pytest-testmon.

Generates a git repository of 2,000 modules in 40 packages and 10,000 tests in 500 files, changes
one function body of a mid-level module in the working tree, then times, interleaved and repeated
in rotating order: ``orch select`` as a process with an empty state dir (cold) and with a kept one
(warm), ``Engine.select()`` alone inside a process (cold and warm), and testmon's selection
(``pytest --testmon --collect-only``). Every tool must select every test that runs the changed
function. Prints medians, ratios and the targets; exit 0 targets met, 1 a target missed, 2 the
benchmark is invalid (a run failed, or the tools did not do the same work).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict, deque
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from measure import MB, Measurement, median, pytest_counts, run_measured

COLD_TARGET = 1.0
"""Seconds ``orch select`` may take without its import-graph cache (empty ORCH_HOME)."""
WARM_TARGET = 0.2
"""Seconds ``orch select`` may take with the cache of an earlier selection."""

MODULES = 2000
PACKAGES = 40
PER_PACKAGE = MODULES // PACKAGES
UTILITIES = 5
"""The first modules of ``pkg_00``: leaves imported by about 40 % of all modules."""
INTERNAL, API = 30, 40
"""Positions in a package: ``[0, 30)`` internal modules (import earlier internal ones of their
package), ``[30, 40)`` its API (imports its internals and other packages' APIs), ``[40, 50)``
features (import APIs; imported by nobody but tests)."""
PACKAGE_DEPENDENCIES = 2
"""How many lower packages each package uses (through their APIs): a layered application."""
TEST_FILES = 500
TESTS_PER_FILE = 20
TESTS = TEST_FILES * TESTS_PER_FILE
CLASS_TESTS = 5
"""The last tests of each file are methods of a ``TestMore`` class, calling the second module."""
SEED = 20240611

TOOLS = (
    "orch cold",
    "orch warm",
    "select() cold",
    "select() warm",
    "testmon",
    "python startup",
    "orch startup",
)
"""What each round runs; the first five select, the last two only start up (for comparison)."""

DESCRIPTIONS = {
    "orch cold": "orch select --base HEAD --format json, empty ORCH_HOME (CLI process)",
    "orch warm": "orch select --base HEAD --format json, kept ORCH_HOME (CLI process)",
    "select() cold": "Engine.select(base='HEAD') alone, empty ORCH_HOME (in-process)",
    "select() warm": "Engine.select(base='HEAD') alone, kept ORCH_HOME (in-process)",
    "testmon": "python -m pytest --testmon --collect-only -q (process)",
    "python startup": "python -c pass (process)",
    "orch startup": "orch --help (process)",
}

_IN_PROCESS = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from orch.core import Engine, bootstrap, load_registry, workflow_for
imported = time.perf_counter()
registry = load_registry()
workflow = workflow_for(Path(sys.argv[1]), None, registry)
services = bootstrap(workflow.root, registry=registry)
engine = Engine(workflow, services)
ready = time.perf_counter()
if len(sys.argv) > 2:
    import cProfile, pstats
    profiler = cProfile.Profile()
    selection = profiler.runcall(engine.select, base="HEAD")
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumtime").print_stats(int(sys.argv[2]))
else:
    selection = engine.select(base="HEAD")
done = time.perf_counter()
services.close()
print(json.dumps({"import": imported - started, "setup": ready - imported,
                  "select": done - ready, "selection": selection.as_json()}))
"""
"""Run as ``python -c``: imports orch, then times ``Engine.select()`` on its own (argument 2,
if given, profiles it instead and prints that many lines of the profile to stderr)."""

_TESTMON_SUMMARY = re.compile(r"(\d+)(?:/\d+)? tests? collected")


class Invalid(Exception):
    """A run failed or the tools did not select the same work: the times cannot be compared."""


# -- the generated repository -------------------------------------------------------------------


@dataclass
class Shop:
    """The generated code as a graph: what each module imports and calls, what each test calls,
    the changed function, and which tests must be selected for its change."""

    deps: dict[int, list[int]]
    """Module -> the modules it imports; function ``f{j}`` calls ``f{(i + j) % 3}`` of
    ``deps[j % len(deps)]``."""
    utility: dict[int, int | None]
    """Module -> the utility module whose ``f0`` its ``f0`` also calls."""
    tests: list[tuple[int, int | None]]
    """Per test file: the module it tests and a second module its ``TestMore`` class calls."""
    target: int = -1
    function: int = -1
    importing: set[str] = field(default_factory=set)
    """Nodeids of the tests whose file imports the target, directly or transitively."""
    executing: set[str] = field(default_factory=set)
    """Nodeids of the tests that call the changed function (some chain of calls reaches it)."""

    def importers(self) -> dict[int, set[int]]:
        """Module -> the modules that import it directly."""
        reverse: dict[int, set[int]] = defaultdict(set)
        for module, imported in self.deps.items():
            for dependency in imported:
                reverse[dependency].add(module)
            if self.utility[module] is not None:
                reverse[self.utility[module]].add(module)
        return reverse


def package(module: int) -> int:
    """The package a module is in (``pkg_NN``)."""
    return module // PER_PACKAGE


def name(module: int) -> str:
    """The module's own name."""
    return f"mod_{module:04d}"


def module_path(module: int) -> str:
    """The module's file, repository-relative."""
    return f"src/shop/pkg_{package(module):02d}/{name(module)}.py"


def test_path(tested: int) -> str:
    """The test file of a module, repository-relative."""
    return f"tests/pkg_{package(tested):02d}/test_{name(tested)}.py"


def test_calls(shop: Shop, number: int) -> list[tuple[str, int, int]]:
    """The tests of test file ``number``: (nodeid, module called, function called)."""
    tested, other = shop.tests[number]
    path = test_path(tested)
    found = []
    for test in range(TESTS_PER_FILE):
        function = test % 3
        if test < TESTS_PER_FILE - CLASS_TESTS:
            found.append((f"{path}::test_f{function}_{test}", tested, function))
        else:
            called = tested if other is None else other
            found.append((f"{path}::TestMore::test_f{function}_{test}", called, function))
    return found


def design_shop(seed: int = SEED) -> Shop:
    """The module and test graph, and the change: one function of an internal module of a middle
    package that a handful of modules import and that some tests really run."""
    rng = random.Random(seed)
    uses = {p: sorted(rng.sample(range(p), min(PACKAGE_DEPENDENCIES, p))) for p in range(PACKAGES)}
    deps: dict[int, list[int]] = {}
    utility: dict[int, int | None] = {}
    for module in range(MODULES):
        if module < UTILITIES:
            deps[module], utility[module] = [], None
            continue
        deps[module] = _imports(rng, module, uses[package(module)])
        utility[module] = rng.randrange(UTILITIES) if rng.random() < 0.4 else None
    tests: list[tuple[int, int | None]] = []
    for number in range(TEST_FILES):
        tested = 4 * number + number % 4
        start = package(tested) * PER_PACKAGE
        other = rng.randrange(start, start + PER_PACKAGE) if rng.random() < 0.5 else None
        tests.append((tested, None if other == tested else other))
    shop = Shop(deps, utility, tests)
    _choose_change(shop)
    return shop


def _imports(rng: random.Random, module: int, uses: list[int]) -> list[int]:
    start = package(module) * PER_PACKAGE
    position = module - start
    internal = list(range(max(start, UTILITIES), start + min(position, INTERNAL)))
    own_api = list(range(start + INTERNAL, start + min(position, API)))
    other_api = [p * PER_PACKAGE + k for p in uses for k in range(INTERNAL, API)]
    if position < INTERNAL:
        pools = [internal]
    elif position < API:
        pools = [internal, internal, other_api]
    else:
        pools = [own_api, own_api, other_api, internal]
    pools = [pool for pool in pools if pool]
    wanted = rng.choice((1, 2, 2, 3))
    chosen: list[int] = []
    for _ in range(20):
        if len(chosen) >= wanted or not pools:
            break
        candidate = rng.choice(rng.choice(pools))
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


def _choose_change(shop: Shop) -> None:
    reverse, depths = shop.importers(), import_depths(shop)
    candidates = [
        module
        for module in range(MODULES)
        if 15 <= package(module) < 25
        and module % PER_PACKAGE < INTERNAL
        and depths[module] >= 4
        and 3 <= len(reverse[module]) <= 8
    ]
    for module in sorted(candidates, key=lambda m: (abs(m - MODULES // 2), m)):
        importing = _importing_tests(shop, _closure(reverse, module))
        best = max(range(3), key=lambda j: (len(_executing_tests(shop, module, j)), -j))
        executing = _executing_tests(shop, module, best)
        if len(importing) >= 5 * TESTS_PER_FILE and len(executing) >= 20:
            shop.target, shop.function = module, best
            shop.importing, shop.executing = importing, executing
            return
    raise RuntimeError("no module fits the change (depth 4+, 3-8 importers, 20+ tests run it)")


def import_depths(shop: Shop) -> dict[int, int]:
    """Module -> the length of its longest import chain down to a module importing nothing."""
    depths: dict[int, int] = {}
    for module in range(MODULES):  # a module imports only lower-numbered ones
        depths[module] = 1 + max((depths[d] for d in shop.deps[module]), default=0)
    return depths


def _closure(reverse: dict[int, set[int]], module: int) -> set[int]:
    seen, queue = {module}, deque([module])
    while queue:
        for importer in reverse[queue.popleft()]:
            if importer not in seen:
                seen.add(importer)
                queue.append(importer)
    return seen


def _importing_tests(shop: Shop, modules: set[int]) -> set[str]:
    found = set()
    for number, (tested, other) in enumerate(shop.tests):
        if tested in modules or other in modules:
            found.update(nodeid for nodeid, _, _ in test_calls(shop, number))
    return found


def _executing_tests(shop: Shop, target: int, function: int) -> set[str]:
    memo: dict[tuple[int, int], bool] = {}

    def reaches(module: int, called: int) -> bool:
        key = (module, called)
        if key not in memo:
            if key == (target, function):
                memo[key] = True
            elif not shop.deps[module]:
                memo[key] = False  # utilities and import-free modules call nothing changed
            else:
                dependency = shop.deps[module][called % len(shop.deps[module])]
                memo[key] = reaches(dependency, (module + called) % 3)
        return memo[key]

    return {
        nodeid
        for number in range(TEST_FILES)
        for nodeid, module, called in test_calls(shop, number)
        if reaches(module, called)
    }


def module_source(shop: Shop, module: int) -> str:
    """A module: its imports, a constant and three functions, each calling one imported module."""
    lines = [f'"""shop.pkg_{package(module):02d}.{name(module)}: generated by select_speed.py."""']
    lines.append("")
    for dependency in shop.deps[module]:
        if package(dependency) == package(module):
            lines.append(f"from . import {name(dependency)}")
        else:
            lines.append(f"from shop.pkg_{package(dependency):02d} import {name(dependency)}")
    if shop.utility[module] is not None:
        lines.append(f"from shop.pkg_00.{name(shop.utility[module])} import f0 as util_f0")
    lines += ["", f"SCALE = {module % 7 + 2}", ""]
    for function in range(3):
        if shop.deps[module]:
            dependency = shop.deps[module][function % len(shop.deps[module])]
            call = f"{name(dependency)}.f{(module + function) % 3}(y % 97)"
        else:
            call = f"y * {function + 1}"
        if function == 0 and shop.utility[module] is not None:
            call += " + util_f0(x)"
        lines += [
            "",
            f"def f{function}(x):",
            f'    """Step {function} of module {module}."""',
            f"    y = x * SCALE + {function}",
            f"    return {call} + y % 11",
            "",
        ]
    return "\n".join(lines)


def test_source(shop: Shop, number: int) -> str:
    """A test file: 15 test functions on its module, then a ``TestMore`` class of 5."""
    tested, other = shop.tests[number]
    imported = [tested] + ([other] if other is not None else [])
    lines = [f'"""Tests of shop.pkg_{package(tested):02d}.{name(tested)} (generated)."""', ""]
    lines += [f"from shop.pkg_{package(m):02d} import {name(m)}" for m in sorted(set(imported))]
    lines.append("")
    in_class = False
    for nodeid, called, function in test_calls(shop, number):
        test = nodeid.rsplit("::", 1)[1]
        number_in_file = int(test.rsplit("_", 1)[1])
        check = f"assert {name(called)}.f{function}({number_in_file}) >= 0"
        if "::TestMore::" not in nodeid:
            lines += ["", f"def {test}():", f"    {check}", ""]
            continue
        if not in_class:
            lines += ["", "class TestMore:", '    """Tests that call a second module."""']
            in_class = True
        lines += ["", f"    def {test}(self):", f"        {check}"]
    return "\n".join(lines) + "\n"


PYPROJECT = """\
[project]
name = "shop"
version = "1.0"

[tool.pytest.ini_options]
pythonpath = ["src"]
"""
GITIGNORE = ".orch/\n.testmondata*\n__pycache__/\n.pytest_cache/\n"


def write_shop(shop: Shop, root: Path) -> None:
    """Writes the repository and commits it."""
    files = {"pyproject.toml": PYPROJECT, ".gitignore": GITIGNORE, "src/shop/__init__.py": ""}
    for number in range(PACKAGES):
        files[f"src/shop/pkg_{number:02d}/__init__.py"] = ""
    for module in range(MODULES):
        files[module_path(module)] = module_source(shop, module)
    for number in range(TEST_FILES):
        files[test_path(shop.tests[number][0])] = test_source(shop, number)
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    for argv in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        [*identity, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "shop"],
    ):
        subprocess.run(["git", *argv], cwd=root, check=True, capture_output=True)


def apply_change(shop: Shop, root: Path) -> str:
    """Changes one line in the body of the target function, in the working tree; returns its
    path."""
    path = module_path(shop.target)
    source = (root / path).read_text(encoding="utf-8")
    old = f"    y = x * SCALE + {shop.function}\n"
    assert source.count(old) == 1, f"{path}: the line to change is not there once"
    (root / path).write_text(source.replace(old, f"    y = x * SCALE + {shop.function} + 1\n"))
    return path


# -- running and checking -----------------------------------------------------------------------


@dataclass
class Run:
    """One measured run of one tool, as written to the JSON report."""

    tool: str
    repeat: int
    position: int
    seconds: float
    """The process's wall time."""
    peak_rss_mb: float
    select_seconds: float | None = None
    """In-process runs: ``Engine.select()`` alone."""
    import_seconds: float | None = None
    setup_seconds: float | None = None
    selected: int | None = None


@dataclass
class Bench:
    """What the measured runs need: the repository, the commands, the state dirs, and the
    selection each tool gave the first time (every later run must give the same)."""

    args: argparse.Namespace
    repo: Path
    work: Path
    shop: Shop
    seen: dict[str, frozenset[str]] = field(default_factory=dict)
    notes: set[str] = field(default_factory=set)
    """What orch said about its selection (e.g. that no coverage map was recorded)."""

    def command(self, tool: str) -> list[str]:
        """The argv of ``tool``."""
        python, orch = sys.executable, self.args.orch
        if tool.startswith("orch ") and tool != "orch startup":
            return [orch, "select", ".", "--base", "HEAD", "--format", "json"]
        if tool.startswith("select()"):
            return [python, "-c", _IN_PROCESS, str(self.repo)]
        return {
            "testmon": [python, "-m", "pytest", "--testmon", "--collect-only", "-q"],
            "python startup": [python, "-c", "pass"],
            "orch startup": [orch, "--help"],
        }[tool]

    def home(self, tool: str, label: str) -> Path | None:
        """The ORCH_HOME of a run: a new empty one when cold, a kept one per tool when warm."""
        if tool.endswith("cold"):
            return self.work / f"home-{label}"
        if tool.endswith("warm"):
            return self.work / f"home-warm-{tool.split()[0].strip('()')}"
        return None

    def measure(self, tool: str, label: str) -> Measurement:
        """Runs ``tool`` once in the repository and checks what it selected."""
        env = {key: value for key, value in os.environ.items() if key != "ORCH_HOME"}
        home = self.home(tool, label)
        if home is not None:
            env["ORCH_HOME"] = str(home)
        measured = run_measured(self.command(tool), self.repo, env, self.work / "out", label)
        if home is not None and tool.endswith("cold"):
            shutil.rmtree(home, ignore_errors=True)
        if measured.returncode != 0:
            raise Invalid(
                f"{tool} exited {measured.returncode}\ncommand: {_shown(measured.argv)}\n"
                f"{measured.tail()}"
            )
        return measured

    def check_selection(self, tool: str, measured: Measurement) -> tuple[frozenset[str], dict]:
        """The tests ``tool`` selected (and the in-process timings); raises Invalid when they
        differ from its first run's, or the output says it did not select normally."""
        figures: dict = {}
        try:
            if tool == "testmon":
                selected = _testmon_selection(measured.out())
            else:
                report = json.loads(measured.out())
                if tool.startswith("select()"):
                    figures = report
                    report = figures.pop("selection")
                selected, notes = _orch_selection(report)
                self.notes.update(notes)
        except (ValueError, KeyError) as problem:
            raise Invalid(
                f"{tool}: {problem}\ncommand: {_shown(measured.argv)}\n{measured.tail()}"
            ) from None
        family = "testmon" if tool == "testmon" else "orch"
        first = self.seen.setdefault(family, selected)
        if selected != first:
            raise Invalid(
                f"{tool} selected {len(selected)} tests, an earlier {family} run "
                f"{len(first)}: {sorted(selected ^ first)[:5]}"
            )
        return selected, figures


def _orch_selection(report: dict) -> tuple[frozenset[str], tuple[str, ...]]:
    """orch's selected nodeids and its notes; raises ValueError unless it selected from the
    change (not the whole app) out of a suite it read as the 10,000 generated tests."""
    (app,) = report["apps"].values()
    if app["whole_app"] or app["suite"] != TESTS:
        raise ValueError(
            f"orch did not select from the change alone: whole_app {app['whole_app']}, suite "
            f"{app['suite']} (expected {TESTS}), reasons {app['reasons']}"
        )
    return frozenset(test["id"] for test in report["selected"]), tuple(app["problems"])


def _testmon_selection(output: str) -> frozenset[str]:
    """The nodeids testmon listed; raises ValueError when they are not what its summary line
    counts. (Its ``N/M`` counts only the files it collected: it skips unaffected files whole.)"""
    summary = _TESTMON_SUMMARY.search(output)
    if summary is None:
        raise ValueError("no 'N/M tests collected' line in testmon's output")
    selected = frozenset(line for line in output.splitlines() if "::" in line and " " not in line)
    if len(selected) != int(summary.group(1)):
        raise ValueError(f"testmon listed {len(selected)} tests, its summary {summary.group(0)!r}")
    if len(selected) >= TESTS:
        raise ValueError("testmon selected the whole suite: it did not use its database")
    return selected


def _shown(argv: list[str]) -> str:
    return " ".join("<in-process script>" if "\n" in part else part for part in argv)


def ensure_testmon() -> None:
    """Installs pytest-testmon into this venv (not into any pyproject) when it is missing."""
    if importlib.util.find_spec("testmon") is not None:
        return
    uv = shutil.which("uv")
    argv = [uv or "uv", "pip", "install", "--python", sys.executable, "pytest-testmon"]
    print(f"pytest-testmon is missing; installing it for the benchmark: {' '.join(argv)}")
    if uv is None or subprocess.run(argv).returncode != 0:
        raise Invalid(f"cannot install pytest-testmon; run: {' '.join(argv)}")


def prepare(bench: Bench) -> None:
    """Checks the suite passes, builds testmon's database on the clean tree, makes the change,
    then warms each tool up once (unmeasured)."""
    python, repo = sys.executable, bench.repo
    for what, label, argv in (
        ("the suite passes", "check-suite", [python, "-m", "pytest", "-q", "-x"]),
        ("testmon's database", "testmon-db", [python, "-m", "pytest", "--testmon", "-q"]),
    ):
        measured = run_measured(argv, repo, dict(os.environ), bench.work / "out", label)
        try:
            counts = pytest_counts(measured.out())
        except ValueError as problem:
            counts = {"unreadable": str(problem)}
        if measured.returncode != 0 or counts.get("passed") != TESTS or len(counts) != 1:
            raise Invalid(
                f"{what}: {_shown(argv)} exited {measured.returncode} with {counts}, expected "
                f"{TESTS} passed\n{measured.tail()}"
            )
        print(f"{what}: {_shown(argv)}: {TESTS} passed in {measured.seconds:.1f} s", flush=True)
    changed = apply_change(bench.shop, repo)
    print(f"change: f{bench.shop.function}() of {changed}, one line of its body")
    print("warm-up (unmeasured): each tool once; the warm ORCH_HOMEs get their cache")
    for tool in TOOLS:
        measured = bench.measure(tool, f"warmup-{tool.replace(' ', '-').strip('()')}")
        if tool in TOOLS[:5]:
            bench.check_selection(tool, measured)


def benchmark(bench: Bench) -> list[Run]:
    """``repeats`` rounds of every tool, the order rotating each round."""
    runs: list[Run] = []
    for repeat in range(bench.args.repeats):
        shift = repeat % len(TOOLS)
        order = TOOLS[shift:] + TOOLS[:shift]
        for position, tool in enumerate(order):
            label = f"r{repeat}-{tool.replace(' ', '-').replace('()', '')}"
            measured = bench.measure(tool, label)
            run = Run(tool, repeat, position, round(measured.seconds, 4), _mb(measured.peak_rss))
            if tool in TOOLS[:5]:
                selected, figures = bench.check_selection(tool, measured)
                run.selected = len(selected)
                if figures:
                    run.select_seconds = round(figures["select"], 4)
                    run.import_seconds = round(figures["import"], 4)
                    run.setup_seconds = round(figures["setup"], 4)
            runs.append(run)
            inner = f"  select() {run.select_seconds:.3f} s" if run.select_seconds else ""
            print(
                f"  repeat {repeat + 1}/{bench.args.repeats}  {tool:<14} process "
                f"{measured.seconds:6.3f} s{inner}",
                flush=True,
            )
    return runs


def _mb(rss: int) -> float:
    return round(rss / MB, 1)


def compare(bench: Bench) -> dict:
    """orch's selection against testmon's and against what the generated code says must run;
    raises Invalid when orch misses a test testmon or the call graph says the change reaches."""
    shop = bench.shop
    orch, testmon = bench.seen["orch"], bench.seen["testmon"]
    missed = sorted(testmon - orch)
    unsafe = sorted(shop.executing - orch)
    counts = {
        "orch_selected": len(orch),
        "testmon_selected": len(testmon),
        "orch_missed_of_testmon": len(missed),
        "tests_importing_changed_module": len(shop.importing),
        "tests_running_changed_function": len(shop.executing),
        "orch_missed_of_running": len(unsafe),
        "orch_beyond_importing": len(orch - shop.importing),
        "testmon_missed_of_running": len(shop.executing - testmon),
        "testmon_beyond_running": len(testmon - shop.executing),
        "orch_notes": sorted(bench.notes),
    }
    if not testmon:
        raise Invalid("testmon selected no test: it did not see the change")
    if missed:
        raise Invalid(f"orch missed {len(missed)} of the tests testmon selects: {missed[:5]}")
    if unsafe:
        raise Invalid(f"orch missed {len(unsafe)} tests that run the changed code: {unsafe[:5]}")
    return counts


# -- the report ---------------------------------------------------------------------------------


def summarise(bench: Bench, runs: list[Run], counts: dict) -> dict:
    """Medians per tool, ratios to testmon and the targets, as one JSON-able dict."""
    tools: dict[str, dict] = {}
    for tool in TOOLS:
        mine = [run for run in runs if run.tool == tool]
        figures: dict = {
            "description": DESCRIPTIONS[tool],
            "process_seconds": [run.seconds for run in mine],
            "median_process_seconds": round(median([run.seconds for run in mine]), 4),
            "max_peak_rss_mb": max(run.peak_rss_mb for run in mine),
        }
        if tool.startswith("select()"):
            for key in ("select", "import", "setup"):
                values = [getattr(run, f"{key}_seconds") for run in mine]
                figures[f"{key}_seconds"] = values
                figures[f"median_{key}_seconds"] = round(median(values), 4)
        tools[tool] = figures
    testmon = tools["testmon"]["median_process_seconds"]
    for tool in TOOLS[:4]:
        key = "median_select_seconds" if tool.startswith("select()") else "median_process_seconds"
        tools[tool]["vs_testmon"] = round(tools[tool][key] / testmon, 3)
    targets = {}
    for state, limit in (("cold", COLD_TARGET), ("warm", WARM_TARGET)):
        inner = tools[f"select() {state}"]["median_select_seconds"]
        process = tools[f"orch {state}"]["median_process_seconds"]
        targets[state] = {
            "limit_seconds": limit,
            "in_process_select_seconds": inner,
            "pass": inner <= limit,
            "cli_process_seconds": process,
            "cli_pass": process <= limit,
        }
    shop = bench.shop
    return {
        "settings": {"repeats": bench.args.repeats, "seed": SEED},
        "repository": {
            "modules": MODULES,
            "packages": PACKAGES,
            "test_files": TEST_FILES,
            "tests": TESTS,
            "changed_file": module_path(shop.target),
            "changed_function": f"f{shop.function}",
            "direct_importers": len(shop.importers()[shop.target]),
            "import_depth": import_depths(shop)[shop.target],
            "max_import_depth": max(import_depths(shop).values()),
        },
        "machine": _machine(),
        "counts": counts,
        "tools": tools,
        "runs": [asdict(run) for run in runs],
        "targets": targets,
    }


def _machine() -> dict:
    def installed(distribution: str) -> str:
        try:
            return version(distribution)
        except PackageNotFoundError:
            return "not installed"

    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.split()
    return {
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
        "python": platform.python_version(),
        "pytest": installed("pytest"),
        "pytest-testmon": installed("pytest-testmon"),
        "orch": installed("orch"),
        "git": git[-1] if git else "?",
    }


def print_report(report: dict) -> None:
    """The counts, the table of medians and ratios, then one PASS/FAIL line per target."""
    repo, machine, counts = report["repository"], report["machine"], report["counts"]
    print(
        f"\n{repo['modules']} modules in {repo['packages']} packages (import depth up to "
        f"{repo['max_import_depth']}), {repo['tests']} tests in {repo['test_files']} files; "
        f"change: {repo['changed_function']}() of {repo['changed_file']} (imported directly by "
        f"{repo['direct_importers']} modules)"
    )
    print(
        f"{report['settings']['repeats']} interleaved repeats; {machine['cpus']} cpus, load "
        f"{machine['loadavg_at_end'][0]:.2f}; python {machine['python']}, pytest "
        f"{machine['pytest']}, pytest-testmon {machine['pytest-testmon']}, orch "
        f"{machine['orch']}, git {machine['git']}"
    )
    print(
        f"\nselected: orch {counts['orch_selected']}, testmon {counts['testmon_selected']} of "
        f"{repo['tests']}; orch missed {counts['orch_missed_of_testmon']} of testmon's "
        f"(expected 0)"
    )
    print(
        f"the generated code says: {counts['tests_importing_changed_module']} tests import the "
        f"changed module (directly or not; orch selects {counts['orch_beyond_importing']} "
        f"beyond them), {counts['tests_running_changed_function']} run the changed function "
        f"(orch misses {counts['orch_missed_of_running']}, testmon misses "
        f"{counts['testmon_missed_of_running']} and selects "
        f"{counts['testmon_beyond_running']} more)"
    )
    for note in counts["orch_notes"]:
        print(f"orch's note: {note}")
    header = f"{'figure':<15} {'median s':>9} {'runs s':<42} {'/testmon':>9} {'RSS MB':>7}  what"
    print("\n" + header)
    print("-" * (len(header) + 60))
    for tool, figures in report["tools"].items():
        key = "select_seconds" if tool.startswith("select()") else "process_seconds"
        runs = ", ".join(f"{seconds:.3f}" for seconds in figures[key])
        ratio = f"{figures['vs_testmon']:.3f}x" if "vs_testmon" in figures else ""
        print(
            f"{tool:<15} {figures['median_' + key]:>9.3f} {runs:<42} {ratio:>9} "
            f"{figures['max_peak_rss_mb']:>7.1f}  {figures['description']}"
        )
    for state in ("cold", "warm"):
        figures = report["tools"][f"select() {state}"]
        print(
            f"select() {state} process: python + orch imports "
            f"{figures['median_import_seconds']:.3f} s, registry + workflow + bootstrap "
            f"{figures['median_setup_seconds']:.3f} s, select() "
            f"{figures['median_select_seconds']:.3f} s, whole process "
            f"{figures['median_process_seconds']:.3f} s (medians)"
        )
    print(
        "(/testmon: orch's median over testmon's process median -- process against process for "
        "the orch rows, select() alone against testmon's whole process for the select() rows; "
        "RSS: largest peak of the process over its runs)"
    )
    tools = report["tools"]
    print(
        f"orch/testmon: CLI process cold {tools['orch cold']['vs_testmon']:.2f}x, warm "
        f"{tools['orch warm']['vs_testmon']:.2f}x; select() alone cold "
        f"{tools['select() cold']['vs_testmon']:.2f}x, warm "
        f"{tools['select() warm']['vs_testmon']:.2f}x\n"
    )
    print("targets are judged on Engine.select() in-process; the CLI lines are for information:")
    for state in ("cold", "warm"):
        target = report["targets"][state]
        limit = target["limit_seconds"]
        print(
            f"orch select {state} <= {limit:g} s: {_verdict(target['pass'])} "
            f"({target['in_process_select_seconds']:.3f} s, Engine.select() in-process)"
        )
        print(
            f"orch select {state} <= {limit:g} s: {_verdict(target['cli_pass'])} "
            f"({target['cli_process_seconds']:.3f} s, CLI process incl. Python startup; "
            f"information)"
        )


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def profile(bench: Bench, lines: int) -> None:
    """Prints cProfile's top ``lines`` (by cumulative time) of one cold and one warm select()."""
    for state in ("cold", "warm"):
        env = {key: value for key, value in os.environ.items() if key != "ORCH_HOME"}
        env["ORCH_HOME"] = str(bench.home(f"select() {state}", f"profile-{state}"))
        argv = [sys.executable, "-c", _IN_PROCESS, str(bench.repo), str(lines)]
        done = subprocess.run(argv, cwd=bench.repo, env=env, capture_output=True, text=True)
        print(f"\n### profile of Engine.select(), {state}\n{done.stderr.strip()}")


# -- main ---------------------------------------------------------------------------------------


def main() -> int:
    """Builds the repository, runs the tools, prints the report; returns the exit code."""
    args = _arguments()
    work = Path(tempfile.mkdtemp(prefix="orch-bench-select-"))
    try:
        ensure_testmon()
        shop = design_shop()
        bench = Bench(args, work / "shop", work, shop)
        bench.repo.mkdir()
        write_shop(shop, bench.repo)
        print(f"repository: {MODULES} modules, {TESTS} tests in {TEST_FILES} files at {bench.repo}")
        prepare(bench)
        runs = benchmark(bench)
        counts = compare(bench)
        report = summarise(bench, runs, counts)
        print_report(report)
        if args.profile:
            profile(bench, args.profile)
    except Invalid as problem:
        print(f"BENCHMARK INVALID: {problem}", file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0 if all(target["pass"] for target in report["targets"].values()) else 1


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="measured runs per tool")
    parser.add_argument("--json", help="write the figures as JSON to this file")
    parser.add_argument("--orch", default=str(Path(sys.executable).parent / "orch"))
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also print the top N lines of a cProfile of a cold and a warm select()",
    )
    parser.add_argument("--keep", action="store_true", help="keep the repository and outputs")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
