"""Labelled test failures from real PyPI projects' own pytest suites: the ground truth of triage.

Triage is graded on failures nobody here wrote: each project below is a pinned sdist from PyPI,
installed into a venv of its own (``real_suite.install``) with ``pytest-xdist``, and run with
pytest's own ``--junitxml`` on some of its own test files. A *baseline* run comes first; the
tests it fails are deselected in every scenario, so that each failure of a scenario is caused by
the one fault that scenario injected, and so is known without reading any failure:

- ``product_bug``: a mutant of the project's own source (``mutation.mutants_of``, sampled with a
  fixed seed, at most one per function), kept when it breaks 1 to 25 tests and no module fails
  to collect;
- ``automation_bug``: a real edit of the project's tests or fixtures (a fixture renamed, a
  helper's signature changed, a misspelt API name, a fixture returning None or failing in its
  setup), the source untouched;
- ``environment_issue``: the suite run unchanged in a changed environment: its temporary
  directory read-only (``bwrap --ro-bind``) or a full 64 KiB tmpfs (``bwrap --size``) or
  another user's, which the suite, run without the capabilities that let root write anywhere
  (``setpriv --bounding-set``), may not write; a dependency uninstalled from its
  venv, its PostgreSQL server stopped, its database host unresolvable (an empty /etc/hosts);
- ``flaky``: a product function that returns a wrong value on about a quarter of its calls
  (decided by ``os.urandom``), the suite run twice, both result files kept;
- ``crash``: a product function that ends its process (SIGSEGV, ``os.abort()``,
  ``os._exit(3)``), or a test's process killed with SIGKILL from outside while it runs (as the
  OOM killer would), under ``pytest -n 2`` so that xdist records the crashed worker's test.

The result files go to ``tests/data/triage_truth/<project>/<scenario>/run1.xml`` (``run2.xml``
too for flaky) and one ``Label`` per failing test of each scenario to the project's
``labels.jsonl`` (``truth_labels.write_labels``), with the test's id as orch's own parsers read
it from that file. Everything is seeded: the same command makes the same scenarios.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mutation import _is_docstring, mutants_of
from real_suite import Project, install

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))
from pg_server import pg_server  # noqa: E402
from truth_labels import DATA, Label, write_labels  # noqa: E402

from orch.core.plugins import load_registry  # noqa: E402
from orch.core.triage.analysis import results_of_files  # noqa: E402

SEED = 20261203
MUTANTS_KEPT = 9
"""Product-bug scenarios wanted per project."""
MUTANTS_TRIED = 45
"""Mutants run at most per project to find them (most break nothing or too much)."""
MOST_BROKEN = 25
RUN_TIMEOUT = 120
"""Seconds the baseline may take; later runs may take 5 times the baseline's (at least 30 s):
a mutant that hangs the suite is dropped."""
NOBODY = 65534
DAC_CAPABILITIES = "-dac_override,-dac_read_search,-fowner"
FAILED = frozenset({"failed", "error", "timeout"})

HARNESS = '''
"""The generator's pytest plugin: failing and uncollectable ids to a file; a pid to kill."""
import os, time

_FAILED = os.environ.get("TRUTH_FAILED")
_VICTIM = os.environ.get("TRUTH_SIGKILL_TEST")


def _note(line):
    if _FAILED:
        with open(_FAILED, "a", encoding="utf-8") as stream:
            stream.write(line + "\\n")


def pytest_collectreport(report):
    if report.failed:
        _note("collect " + report.nodeid)


def pytest_runtest_logreport(report):
    if report.failed:
        _note("test " + report.nodeid)


def pytest_runtest_call(item):
    if item.nodeid == _VICTIM:
        with open(os.environ["TRUTH_SIGKILL_PID"], "w", encoding="utf-8") as stream:
            stream.write(str(os.getpid()))
        time.sleep(60)
'''


@dataclass(frozen=True)
class Edit:
    """An automation bug: ``old`` replaced by ``new`` once in the test file ``path``."""

    slug: str
    path: str
    old: str
    new: str
    how: str


@dataclass(frozen=True)
class Injection:
    """A statement put first in one product function (``path:Qualified.name``)."""

    slug: str
    function: str
    statement: str
    how: str


@dataclass(frozen=True)
class Suite:
    """A project, the test files run, where its source is, and the faults that fit it."""

    project: Project
    tests: tuple[str, ...]
    package: str
    edits: tuple[Edit, ...]
    environment: tuple[str, ...] = ()
    flaky: tuple[Injection, ...] = ()
    crashes: tuple[Injection, ...] = ()
    sigkill: str = ""
    """The nodeid of a test whose process is killed from outside (empty: none)."""
    postgres: bool = False
    """Whether its tests need a PostgreSQL server (started here, role ``postgres``/``pw``)."""


def _wrong_sometimes(value: str) -> str:
    return f"if __import__('os').urandom(1)[0] < 64: return {value}  # injected"


SEGV = "__import__('os').kill(__import__('os').getpid(), 11)  # injected"
ABORT = "__import__('os').abort()  # injected"
EXIT = "__import__('os')._exit(3)  # injected"

SUITES = {
    "toolz": Suite(
        Project("toolz", "1.2.0", ("pytest-xdist",), "fast, pure functions; tests in package"),
        ("toolz/tests",),
        "toolz",
        (
            Edit(
                "helper-arity",
                "toolz/tests/test_itertoolz.py",
                "def inc(x):\n    return x + 1\n",
                "def inc(x, step):\n    return x + step\n",
                "test helper inc(x) of toolz/tests/test_itertoolz.py now takes (x, step); its "
                "callers pass one argument",
            ),
            Edit(
                "api-misspelt",
                "toolz/tests/test_dicttoolz.py",
                "assert valmap(inc, D({1: 1, 2: 2}), **kw)",
                "assert val_map(inc, D({1: 1, 2: 2}), **kw)",
                "toolz/tests/test_dicttoolz.py test_valmap calls val_map, a name toolz has not",
            ),
            Edit(
                "helper-default-dropped",
                "toolz/tests/test_inspect_args.py",
                "def make_func(param_string, raise_if_called=True):",
                "def make_func(param_string, raise_if_called):",
                "test helper make_func of toolz/tests/test_inspect_args.py lost the default of "
                "raise_if_called; callers passing one argument fail",
            ),
            Edit(
                "import-misspelt",
                "toolz/tests/test_recipes.py",
                "from toolz import first, identity, countby, partitionby",
                "from toolz import first, identity, count_by, partitionby",
                "toolz/tests/test_recipes.py imports count_by (toolz has countby)",
            ),
        ),
        flaky=(
            Injection(
                "flaky-frequencies",
                "toolz/itertoolz.py:frequencies",
                _wrong_sometimes("{}"),
                "toolz/itertoolz.py frequencies() returns {} on a quarter of its calls",
            ),
            Injection(
                "flaky-merge",
                "toolz/dicttoolz.py:merge",
                _wrong_sometimes("{}"),
                "toolz/dicttoolz.py merge() returns {} on a quarter of its calls",
            ),
        ),
        crashes=(
            Injection(
                "crash-segv-interleave",
                "toolz/itertoolz.py:interleave",
                SEGV,
                "toolz/itertoolz.py interleave() sends its own process SIGSEGV",
            ),
            Injection(
                "crash-abort-sliding-window",
                "toolz/itertoolz.py:sliding_window",
                ABORT,
                "toolz/itertoolz.py sliding_window() calls os.abort()",
            ),
        ),
    ),
    "cachetools": Suite(
        Project("cachetools", "8.0.2", ("pytest-xdist",), "caches; unittest-style mixin tests"),
        ("tests",),
        "src/cachetools",
        (
            Edit(
                "helper-arity",
                "tests/__init__.py",
                "class CountedLock:\n    def __init__(self):",
                "class CountedLock:\n    def __init__(self, name):",
                "test helper CountedLock in tests/__init__.py now needs a name; CountedLock() "
                "and CountedCondition() calls pass none",
            ),
            Edit(
                "import-misspelt",
                "tests/test_fifo.py",
                "from cachetools import FIFOCache\n",
                "from cachetools import FifoCache\n",
                "tests/test_fifo.py imports FifoCache (cachetools has FIFOCache)",
            ),
            Edit(
                "factory-returns-none",
                "tests/test_cached.py",
                "    def cache(self, minsize):\n        return cachetools.Cache(maxsize=minsize)\n",
                "    def cache(self, minsize):\n        cachetools.Cache(maxsize=minsize)\n",
                "CacheWrapperTest.cache() of tests/test_cached.py builds the cache and returns "
                "None",
            ),
            Edit(
                "setup-raises",
                "tests/test_cachedmethod.py",
                "        self.count = count\n        self.lock = CountedLock()",
                "        self.count = int(cache)\n        self.lock = CountedLock()",
                "helper class Cached.__init__ of tests/test_cachedmethod.py does int(cache), "
                "which raises TypeError",
            ),
        ),
        flaky=(
            Injection(
                "flaky-lru-popitem",
                "src/cachetools/__init__.py:LRUCache.popitem",
                _wrong_sometimes("(None, None)"),
                "src/cachetools/__init__.py LRUCache.popitem() returns (None, None) without "
                "evicting on a quarter of its calls",
            ),
            Injection(
                "flaky-ttl-expire",
                "src/cachetools/__init__.py:TTLCache.expire",
                _wrong_sometimes("[]"),
                "src/cachetools/__init__.py TTLCache.expire() returns [] without expiring on a "
                "quarter of its calls",
            ),
        ),
        crashes=(
            Injection(
                "crash-abort-rr-popitem",
                "src/cachetools/__init__.py:RRCache.popitem",
                ABORT,
                "src/cachetools/__init__.py RRCache.popitem() calls os.abort()",
            ),
        ),
    ),
    "sqlite-utils": Suite(
        Project(
            "sqlite-utils",
            "4.2.1",
            ("pytest-xdist", "hypothesis"),
            "SQLite databases in tmpdir files, a click CLI: disk faults show",
        ),
        (
            "tests/test_delete.py",
            "tests/test_recreate.py",
            "tests/test_attach.py",
            "tests/test_wal.py",
            "tests/test_enable_counts.py",
            "tests/test_cli_bulk.py",
            "tests/test_cli_memory.py",
            "tests/test_analyze_tables.py",
            "tests/test_insert_files.py",
        ),
        "sqlite_utils",
        (
            Edit(
                "fixture-renamed",
                "tests/conftest.py",
                "def fresh_db():",
                "def fresh_database():",
                "tests/conftest.py fixture fresh_db renamed fresh_database; tests still ask for "
                "fresh_db",
            ),
            Edit(
                "fixture-returns-none",
                "tests/test_enable_counts.py",
                '    db.table("baz").insert({"name": "bar"})\n    return path\n',
                '    db.table("baz").insert({"name": "bar"})\n',
                "tests/test_enable_counts.py fixture counts_db_path no longer returns its path "
                "(None)",
            ),
            Edit(
                "fixture-setup-path",
                "tests/test_cli_bulk.py",
                'db_path = str(pathlib.Path(tmpdir) / "data.db")',
                'db_path = str(pathlib.Path(tmpdir) / "data" / "data.db")',
                "tests/test_cli_bulk.py fixture test_db_and_path opens its database in a "
                "directory it never creates: the fixture's setup raises",
            ),
            Edit(
                "api-misspelt",
                "tests/test_delete.py",
                'table.delete_where("id > ?", [5])',
                'table.delete_were("id > ?", [5])',
                "tests/test_delete.py test_delete_where calls Table.delete_were, which does not "
                "exist",
            ),
        ),
        environment=("readonly-tmp", "full-tmp", "permission-denied", "missing-tabulate"),
        flaky=(
            Injection(
                "flaky-count-where",
                "sqlite_utils/db.py:Queryable.count_where",
                _wrong_sometimes("0"),
                "sqlite_utils/db.py Queryable.count_where() returns 0 on a quarter of its calls",
            ),
        ),
        crashes=(
            Injection(
                "crash-exit-attach",
                "sqlite_utils/db.py:Database.attach",
                EXIT,
                "sqlite_utils/db.py Database.attach() calls os._exit(3)",
            ),
        ),
    ),
    "pg8000": Suite(
        Project(
            "pg8000",
            "1.31.6",
            ("pytest-xdist", "pytest-mock", "pytz"),
            "a PostgreSQL driver whose tests talk to a real server: service faults show",
        ),
        (
            "test/dbapi/test_query.py",
            "test/dbapi/test_dbapi.py",
            "test/dbapi/test_connection.py",
            "test/dbapi/test_typeconversion.py",
            "test/test_converters.py",
        ),
        "src/pg8000",
        (
            Edit(
                "fixture-renamed",
                "test/dbapi/test_query.py",
                "def db_table(request, con):",
                "def db_tbl(request, con):",
                "test/dbapi/test_query.py fixture db_table renamed db_tbl; its tests still ask "
                "for db_table",
            ),
            Edit(
                "fixture-returns-none",
                "test/dbapi/conftest.py",
                "    request.addfinalizer(fin)\n    return cursor\n",
                "    request.addfinalizer(fin)\n",
                "test/dbapi/conftest.py fixture cursor no longer returns its cursor (None)",
            ),
            Edit(
                "fixture-bad-kwarg",
                "test/dbapi/conftest.py",
                'db_connect = {"user": "postgres", "password": "pw"}',
                'db_connect = {"username": "postgres", "password": "pw"}',
                "test/dbapi/conftest.py fixture db_kwargs passes username= (connect() takes user=)",
            ),
            Edit(
                "helper-arity",
                "test/utils.py",
                "def parse_server_version(version):",
                "def parse_server_version(version, default):",
                "test helper parse_server_version of test/utils.py now takes (version, default); "
                "fixture pg_version passes one argument",
            ),
        ),
        environment=("dns-failing", "missing-pytest-mock", "service-down"),
        flaky=(
            Injection(
                "flaky-bool-in",
                "src/pg8000/converters.py:bool_in",
                _wrong_sometimes("None"),
                "src/pg8000/converters.py bool_in() returns None on a quarter of its calls",
            ),
        ),
        sigkill="test/dbapi/test_query.py::test_row_count",
        postgres=True,
    ),
}

ENVIRONMENT_HOW = {
    "readonly-tmp": "the suite's TMPDIR bind-mounted read-only (bwrap --ro-bind)",
    "full-tmp": "the suite's TMPDIR a full 64 KiB tmpfs (bwrap --size 65536 --tmpfs)",
    "permission-denied": "the suite's TMPDIR owned by uid 65534, mode 0755; the suite run as "
    "root without CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER (setpriv --bounding-set)",
    "missing-tabulate": "runtime dependency tabulate uninstalled from the venv",
    "missing-pytest-mock": "test dependency pytest-mock (fixture mocker) uninstalled",
    "dns-failing": "PGHOST=localhost unresolvable: empty /etc/hosts (bwrap --ro-bind)",
    "service-down": "the PostgreSQL server the tests use stopped (pg_ctl stop)",
}


@dataclass
class Bench:
    """One project installed for scenarios: its venv, source, scratch space and baseline."""

    suite: Suite
    python: Path
    source: Path
    work: Path
    env: dict[str, str]
    deselect: list[str] = field(default_factory=list)
    timeout: float = RUN_TIMEOUT
    labels: list[Label] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.suite.project.name

    def scratch(self, name: str) -> Path:
        """An empty directory anyone may write, for one run's XML and notes."""
        folder = self.work / "out" / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        folder.chmod(0o777)
        return folder


@dataclass(frozen=True)
class Run:
    """What one pytest run left: its XML, the ids it failed, whether a module failed to load."""

    xml: Path
    failed: frozenset[str]
    collect_errors: bool
    returncode: int
    seconds: float


def main() -> int:
    """Generates every chosen project's scenarios and labels."""
    args = _arguments()
    work = Path(args.work)
    started = time.monotonic()
    try:
        for name in args.project or sorted(SUITES):
            generate(SUITES[name], work / name)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", choices=sorted(SUITES))
    parser.add_argument("--work", default="/tmp/orch-truth-py", help="venvs and sources here")
    parser.add_argument("--keep", action="store_true", help="keep the venvs and sources")
    return parser.parse_args()


def generate(suite: Suite, work: Path) -> None:
    """Install, baseline, every scenario; the project's result files and labels replaced."""
    name = suite.project.name
    print(f"\n== {name} {suite.project.version}: {suite.project.why}", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(DATA / name, ignore_errors=True)
    python, source = install(suite.project, work)
    (work / "plugin").mkdir()
    (work / "plugin" / "truth_harness.py").write_text(HARNESS, encoding="utf-8")
    env = _base_env(work)
    with _service(suite, env) as stop:
        bench = Bench(suite, python, source, work, env)
        baseline(bench)
        product_bugs(bench)
        for edit in suite.edits:
            automation_bug(bench, edit)
        for injection in suite.flaky:
            flaky(bench, injection)
        for injection in suite.crashes:
            crash(bench, injection)
        if suite.sigkill:
            sigkill(bench)
        for fault in suite.environment:
            environment_issue(bench, fault, stop)
    path = write_labels(name, bench.labels)
    causes = len({label.root_cause for label in bench.labels})
    print(f"  {len(bench.labels)} labels, {causes} root causes -> {path}", flush=True)


def baseline(bench: Bench) -> None:
    """Run the suite as it is, serially and under ``-n 2``: every test failing in either is
    deselected from then on, so that a scenario's failures are its fault's."""
    out = bench.scratch("baseline")
    runs = [run_pytest(bench, out), run_pytest(bench, out, "run2", extra=("-n", "2"))]
    if any(run.collect_errors for run in runs):
        raise SystemExit(f"{bench.name}: a test module fails to load in the baseline")
    bench.deselect = sorted(set().union(*(run.failed for run in runs)))
    bench.timeout = max(30.0, 5 * max(run.seconds for run in runs))
    shown = ", ".join(bench.deselect) or "none"
    print(f"  baseline: {len(bench.deselect)} failing test(s) deselected: {shown}", flush=True)


def _base_env(work: Path) -> dict[str, str]:
    """This process's environment, pytest's own variables left out, with a TMPDIR of the
    suite's own, no bytecode written (the sources are edited back and forth), fixed hashing,
    and the harness plugin importable."""
    tmp = work / "tmp"
    tmp.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env |= {"TMPDIR": str(tmp), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    env["PYTHONPATH"] = str(work / "plugin")
    return env


@contextlib.contextmanager
def _service(suite: Suite, env: dict[str, str]) -> Iterator[contextlib.ExitStack]:
    """The suite's PostgreSQL server, if it has one, with its role ``postgres``/``pw``;
    yields a stack whose ``close()`` stops it (the service-down scenario)."""
    with contextlib.ExitStack() as stack:
        if suite.postgres:
            import psycopg

            url = stack.enter_context(pg_server())
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute("CREATE ROLE postgres SUPERUSER LOGIN PASSWORD 'pw'")
            env |= {"PGHOST": "localhost", "PGPORT": url.rsplit(":", 1)[1].split("/")[0]}
        yield stack


def run_pytest(
    bench: Bench,
    out: Path,
    run: str = "run1",
    prefix: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Run:
    """The chosen test files, pytest's own JUnit XML in ``out/<run>.xml``; ``prefix`` wraps
    the command (a sandbox, fewer capabilities), ``extra`` adds pytest options. pytest's
    temporary directories are under the suite's TMPDIR (``--basetemp``): were it unwritable,
    Python's ``tempfile`` would silently fall back to another directory."""
    xml, notes = out / f"{run}.xml", out / f"{run}.failed"
    argv = [*prefix, str(bench.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    basetemp = Path((env or bench.env)["TMPDIR"]) / "pytest"
    argv += ["-p", "truth_harness", f"--junitxml={xml}", f"--basetemp={basetemp}", *extra]
    argv += [f"--deselect={nodeid}" for nodeid in bench.deselect] + list(bench.suite.tests)
    full_env = (env or bench.env) | {"TRUTH_FAILED": str(notes)}
    started = time.monotonic()
    try:
        done = subprocess.run(
            argv,
            cwd=bench.source,
            env=full_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=bench.timeout,
        )
        returncode = done.returncode
    except subprocess.TimeoutExpired:
        returncode = -1
    lines = notes.read_text(encoding="utf-8").splitlines() if notes.exists() else []
    failed = frozenset(line.split(" ", 1)[1] for line in lines if line.startswith("test "))
    collect = any(line.startswith("collect ") for line in lines)
    return Run(xml, failed, collect, returncode, time.monotonic() - started)


# -- labels -----------------------------------------------------------------------------------


@functools.cache
def _parsers() -> list:
    """orch's result parsers, built from its plugin registry as ``orch triage`` builds them."""
    registry = load_registry()
    return [registry.parsers.build(name, DATA) for name in registry.parsers.names()]


def failing_ids(xml: Path) -> list[str]:
    """The ids orch's own parsers read from ``xml`` of every failed, erroring or timed-out test."""
    results = results_of_files((xml,), _parsers(), [], app="x")
    return sorted({result.nodeid for result in results if result.outcome in FAILED})


def keep(
    bench: Bench, scenario: str, runs: list[Run], category: str, defect: str, how: str
) -> None:
    """Copy the runs' XML into the data and label every test failing in any of them."""
    folder = DATA / bench.name / scenario
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for run in runs:
        shutil.copyfile(run.xml, folder / run.xml.name)
        files.append(str((folder / run.xml.name).relative_to(DATA)))
    ids = sorted({nodeid for run in runs for nodeid in failing_ids(folder / run.xml.name)})
    for nodeid in ids:
        bench.labels.append(
            Label(
                bench.name,
                "pytest",
                scenario,
                tuple(files),
                nodeid,
                f"{bench.name}:{scenario}",
                category,
                defect,
                how,
            )
        )
    print(f"  {scenario:<28} {category:<18} {len(ids):>3} failing", flush=True)


def _usable(bench: Bench, scenario: str, runs: list[Run]) -> bool:
    """Whether the runs wrote XML and failed something; a reason printed when not."""
    if not all(run.xml.exists() for run in runs):
        codes = [run.returncode for run in runs]
        print(f"  {scenario}: SKIPPED, pytest wrote no JUnit XML (exit {codes})", flush=True)
        return False
    if not any(run.failed or run.collect_errors for run in runs):
        print(f"  {scenario}: SKIPPED, no test failed", flush=True)
        return False
    return True


@contextlib.contextmanager
def _edited(path: Path, text: str) -> Iterator[None]:
    """``path`` holding ``text`` for the block, its own text back afterwards."""
    original = path.read_bytes()
    path.write_text(text, encoding="utf-8")
    try:
        yield
    finally:
        path.write_bytes(original)


# -- product bugs -----------------------------------------------------------------------------


def product_bugs(bench: Bench) -> None:
    """Up to ``MUTANTS_KEPT`` mutants, one per function of functions drawn in a seeded order,
    kept when they break 1 to ``MOST_BROKEN`` tests and every module still loads."""
    rng = random.Random(f"{SEED}:{bench.name}")
    kept = tried = 0
    for file, function, masked in _package_functions(bench, rng):
        if kept == MUTANTS_KEPT or tried == MUTANTS_TRIED:
            break
        mutants = mutants_of(file, masked)
        if not mutants:
            continue
        mutant = rng.choice(mutants)
        tried += 1
        path = bench.source / file
        scenario = f"mutant-{Path(file).stem}-{mutant.line}"
        with _edited(path, mutant.apply(path.read_text(encoding="utf-8"))):
            run = run_pytest(bench, bench.scratch(scenario))
        if run.collect_errors or not 1 <= len(run.failed) <= MOST_BROKEN or run.returncode < 0:
            continue
        if _usable(bench, scenario, [run]):
            how = f"{file}:{mutant.line} in {function}(): {mutant.description}"
            keep(bench, scenario, [run], "product_bug", "product_bug", how)
            kept += 1
    print(f"  {kept} product bug(s) kept of {tried} mutant(s) tried", flush=True)


def _package_functions(bench: Bench, rng: random.Random) -> list[tuple[str, str, str]]:
    """(file, qualified name, masked text) of every function and method of the package's
    modules (not its tests), shuffled by ``rng``. The masked text is the module with every line
    blank but the function's own and its class's header: it parses, has the module's line
    numbers, and ``mutants_of`` finds in it the function's mutants only, quickly."""
    package = bench.source / bench.suite.package
    found = []
    for path in sorted(package.rglob("*.py")):
        if "tests" in path.parts or path.name.startswith("test_"):
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        relative = str(path.relative_to(bench.source))
        for name, node, owner in _functions(ast.parse(text)):
            shown = set(range(_first_line(node), (node.end_lineno or node.lineno) + 1))
            if owner is not None:
                shown |= set(range(owner.lineno, owner.body[0].lineno))
            masked = "\n".join(line if n in shown else "" for n, line in enumerate(lines, 1))
            found.append((relative, name, masked))
    rng.shuffle(found)
    return found


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])


# -- automation bugs --------------------------------------------------------------------------


def automation_bug(bench: Bench, edit: Edit) -> None:
    """The suite with one test file edited, the product untouched."""
    path = bench.source / edit.path
    text = path.read_text(encoding="utf-8")
    if edit.old not in text:
        print(f"  {edit.slug}: SKIPPED, {edit.path} does not hold the text edited", flush=True)
        return
    with _edited(path, text.replace(edit.old, edit.new, 1)):
        run = run_pytest(bench, bench.scratch(edit.slug))
    if _usable(bench, edit.slug, [run]):
        keep(bench, edit.slug, [run], "automation_bug", "automation_bug", edit.how)


# -- injected statements: flaky and crashing product code --------------------------------------


def injected(text: str, function: str, statement: str) -> str:
    """``text`` with ``statement`` first in ``function``'s body (after its docstring)."""
    node = {name: node for name, node, _ in _functions(ast.parse(text))}[function]
    body = node.body
    first = body[1] if len(body) > 1 and _is_docstring(body[0]) else body[0]
    lines = text.splitlines(keepends=True)
    indent = lines[first.lineno - 1][: first.col_offset]
    lines.insert(first.lineno - 1, f"{indent}{statement}\n")
    return "".join(lines)


def _functions(
    module: ast.Module,
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef | None]]:
    """(qualified name, node, class or None) of the module's functions and its classes'
    methods (not of nested classes or functions)."""
    for child in module.body:
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield child.name, child, None
        elif isinstance(child, ast.ClassDef):
            for method in child.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{child.name}.{method.name}", method, child


@contextlib.contextmanager
def _injecting(bench: Bench, injection: Injection) -> Iterator[None]:
    file, function = injection.function.split(":")
    path = bench.source / file
    with _edited(path, injected(path.read_text(encoding="utf-8"), function, injection.statement)):
        yield


def flaky(bench: Bench, injection: Injection) -> None:
    """The suite twice with a product function wrong at random; both runs kept."""
    out = bench.scratch(injection.slug)
    with _injecting(bench, injection):
        runs = [run_pytest(bench, out, run) for run in ("run1", "run2")]
    if _usable(bench, injection.slug, runs):
        keep(bench, injection.slug, runs, "flaky", "flaky", injection.how)


def crash(bench: Bench, injection: Injection) -> None:
    """The suite under xdist with a product function that ends its process."""
    with _injecting(bench, injection):
        run = run_pytest(bench, bench.scratch(injection.slug), extra=("-n", "2"))
    if _usable(bench, injection.slug, [run]):
        keep(bench, injection.slug, [run], "crash", "product_bug", injection.how)


def sigkill(bench: Bench) -> None:
    """The suite under xdist; the worker running the chosen test killed with SIGKILL."""
    scenario, victim = "crash-sigkill", bench.suite.sigkill
    out = bench.scratch(scenario)
    pid_file = out / "victim.pid"
    env = bench.env | {"TRUTH_SIGKILL_TEST": victim, "TRUTH_SIGKILL_PID": str(pid_file)}
    killer = threading.Thread(
        target=_kill_when_written, args=(pid_file, bench.timeout), daemon=True
    )
    killer.start()
    run = run_pytest(bench, out, extra=("-n", "2"), env=env)
    killer.join()
    how = f"the pytest-xdist worker running {victim} killed with SIGKILL from outside"
    if _usable(bench, scenario, [run]):
        keep(bench, scenario, [run], "crash", "environment_issue", how)


def _kill_when_written(pid_file: Path, seconds: float) -> None:
    """SIGKILL to the pid the victim test writes to ``pid_file``, once it does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pid_file.exists() and pid_file.read_text().strip():
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
            return
        time.sleep(0.05)


# -- environment issues -----------------------------------------------------------------------


def environment_issue(bench: Bench, fault: str, service: contextlib.ExitStack) -> None:
    """The unchanged suite in an environment with ``fault``."""
    out = bench.scratch(fault)
    tmp = Path(bench.env["TMPDIR"])
    sandbox = ("bwrap", "--dev-bind", "/", "/")
    if fault == "readonly-tmp":
        _empty(tmp)
        run = run_pytest(bench, out, prefix=(*sandbox, "--ro-bind", str(tmp), str(tmp)))
    elif fault == "full-tmp":
        run = run_pytest(bench, out, prefix=(*sandbox, "--size", "65536", "--tmpfs", str(tmp)))
    elif fault == "permission-denied":
        run = _not_owner(bench, out, tmp)
    elif fault.startswith("missing-"):
        run = _without(bench, out, fault.removeprefix("missing-"))
    elif fault == "dns-failing":
        hosts = bench.work / "empty-hosts"
        hosts.write_text("")
        run = run_pytest(bench, out, prefix=(*sandbox, "--ro-bind", str(hosts), "/etc/hosts"))
    elif fault == "service-down":
        service.close()
        run = run_pytest(bench, out)
    else:
        raise ValueError(f"unknown environment fault {fault!r}")
    if _usable(bench, fault, [run]):
        how = ENVIRONMENT_HOW[fault]
        keep(bench, fault, [run], "environment_issue", "environment_issue", how)


def _empty(tmp: Path) -> None:
    """Remove what earlier runs left in ``tmp``: pytest then has to create its directory there."""
    for entry in tmp.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def _not_owner(bench: Bench, out: Path, tmp: Path) -> Run:
    """The suite, as root without the capabilities that bypass file permissions, in a
    temporary directory of another user (mode 0755): root's venv stays usable."""
    _empty(tmp)
    os.chown(tmp, NOBODY, NOBODY)
    tmp.chmod(0o755)
    drop = ("setpriv", f"--bounding-set={DAC_CAPABILITIES}", "--inh-caps=-all", "--")
    try:
        return run_pytest(bench, out, prefix=drop)
    finally:
        os.chown(tmp, 0, 0)


def _without(bench: Bench, out: Path, package: str) -> Run:
    """The suite with ``package`` uninstalled from the venv, reinstalled afterwards."""
    version = subprocess.run(
        [str(bench.python), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    uv = ["uv", "pip", "--quiet"]
    subprocess.run([*uv, "uninstall", "--python", str(bench.python), package], check=True)
    try:
        return run_pytest(bench, out)
    finally:
        requirement = f"{package}=={version}"
        subprocess.run([*uv, "install", "--python", str(bench.python), requirement], check=True)


if __name__ == "__main__":
    sys.exit(main())
