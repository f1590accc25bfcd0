"""The pytest runner: discovery by ``pytest --collect-only`` (cached until a file changes),
shards run with the event plugin; a shard given no tests discovers and runs the whole app."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path
from typing import ClassVar

from attrs import define, field, frozen

from orch.adapters.pytest import collection_cache
from orch.adapters.pytest.collection_cache import SKIP_DIRS
from orch.adapters.pytest.coverage_data import UnreadableCoverage, read_lines
from orch.adapters.pytest.events import PytestEvents, test_case
from orch.adapters.pytest.interpreter import (
    EVENT_PLUGIN,
    plugin_env,
    pytest_missing,
    resolve_python,
)
from orch.adapters.pytest.stacks import STACKS_FILE, read_stacks
from orch.ports import (
    Application,
    Command,
    CoverageMap,
    EnvironmentProblem,
    Outcome,
    Shard,
    ShardExit,
    TestCase,
    TestResult,
)

NO_TESTS = 5
"""pytest's exit code when it collected nothing."""

PYTEST_TROUBLE = {2: "was interrupted", 3: "hit an internal error", 4: "reported a usage error"}
"""pytest's exit codes that mean it did not run the tests, and what each means."""

MAX_COLLECTORS = 4
"""At most this many pytest processes collect one large suite in parallel."""

PARALLEL_FROM = 40
"""Suites with fewer Python files are collected by one process (startup would dominate)."""

COVERAGE_FILE = "coverage.db"
"""The shard's coverage.py data file in its scratch directory (xdist workers add ``.<id>``)."""

ALWAYS = ("-p", EVENT_PLUGIN, "-p", "no:cacheprovider", "--continue-on-collection-errors")
"""Options of every pytest orch starts: events on, no cache in the app, a broken file stops none."""

SHARD_ONLY = ("--show-capture=no", "--no-header", "--no-summary")
"""Options of every shard: no header, and no summary that renders each failure's traceback and
captured output into the shard's log a second time (orch has them from the event plugin, cut to
their head and tail; users see orch's display). Not ``-q``: it would lower the verbosity that an
app's own ``-v`` sets, and with it the assertion diffs orch reports."""


@frozen
class PytestSettings:
    """The ``runner: {pytest: {...}}`` block: extra pytest arguments and the app's interpreter."""

    args: tuple[str, ...] = field(default=(), converter=tuple)
    python: str | None = None


@define
class PytestRunner:
    """orch's TestRunner for pytest: lists tests by collecting them, runs shards by nodeid."""

    __test__ = False

    PLUGIN_NAME: ClassVar[str] = "pytest"
    Settings: ClassVar[type] = PytestSettings
    selects_tests: ClassVar[bool] = True
    runs_unlisted: ClassVar[bool] = True
    waits_for_input: ClassVar[bool] = True

    _streams: dict[Path, PytestEvents] = field(factory=dict, init=False)
    _cache_dir: Path | None = field(default=None, init=False)

    def cache_in(self, directory: Path) -> None:
        """Keep each application's collection in ``directory`` (see ``collection_cache``)."""
        self._cache_dir = directory

    def discover(self, app: Application) -> list[TestCase]:
        """Every test pytest collects in ``app``, and one TestCase per file it could not collect.

        Taken from the collection cache when nothing collection reads changed since it was
        written (see ``cache_in``); otherwise collected and cached.
        """
        settings = _settings(app)
        python = resolve_python(app, settings.python)
        if self._cache_dir is None:
            records = _collect_app(app, python)
        else:
            where = collection_cache.cache_file(self._cache_dir, app)
            key = collection_cache.fingerprint(app, python, _args(app), _targets(app))
            cached = collection_cache.load(where, key)
            if cached is None:
                records = _collect_app(app, python)
                collection_cache.save(where, key, records)
            else:
                records = cached
        return [case for record in records if (case := test_case(app.name, record))]

    def command(self, app: Application, shard: Shard, scratch: Path) -> Command:
        """The pytest process for ``shard``: its files on the command line, its nodeids selected."""
        settings = _settings(app)
        python = resolve_python(app, settings.python)
        scratch = scratch.absolute()
        scratch.mkdir(parents=True, exist_ok=True)
        (scratch / "events.jsonl").unlink(missing_ok=True)
        (scratch / STACKS_FILE).unlink(missing_ok=True)
        for old in _coverage_files(scratch):
            old.unlink()
        env = {**plugin_env(app), "ORCH_EVENTS": str(scratch / "events.jsonl")}
        env["ORCH_COVERAGE"] = str(scratch / COVERAGE_FILE) if shard.coverage else ""
        env["ORCH_STACKS"] = str(scratch / STACKS_FILE)
        env["ORCH_OUTPUT_LIMITS"] = f"{shard.output.head} {shard.output.tail}"
        targets = _targets(app)
        if shard.tests:
            select = scratch / "select.txt"
            select.write_text("".join(f"{n}\n" for n in shard.nodeids), encoding="utf-8")
            env["ORCH_SELECT"] = str(select)
            files = scratch / "files.txt"
            names = dict.fromkeys(_file_of(test) for test in shard.tests)
            files.write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
            env["ORCH_FILES"] = str(files)
        else:
            env["ORCH_SELECT"] = ""  # the whole app: nothing inherited from orch's env narrows it
            env["ORCH_FILES"] = ""
            env["ORCH_REPORT_COLLECTED"] = "1"  # discovered and run in this one process
            index, parts = shard.partition
            env["ORCH_PARTITION"] = f"{index}/{parts}" if parts > 1 else ""
        basetemp = ("--basetemp", str(scratch / "basetemp"))
        argv = (python, "-m", "pytest", *ALWAYS, *SHARD_ONLY, *basetemp, *_args(app), *targets)
        stack_signal = getattr(signal, "SIGUSR1", 0)
        return Command(argv=argv, cwd=app.path, env=env, stack_signal=stack_signal)

    def events(self, app: Application, shard: Shard, scratch: Path) -> PytestEvents:
        """The stream of ``shard``'s events; ``finish`` picks it up again by ``scratch``."""
        stream = _stream(app, shard, scratch)
        self._streams[scratch.absolute()] = stream
        return stream

    def finish(
        self, app: Application, shard: Shard, scratch: Path, exit: ShardExit
    ) -> list[TestResult]:
        """Results not yet read; one error naming pytest's complaint if it ran nothing at all.

        When the process died or was killed during a test, that test's result says where it
        was (its own frame in the stacks faulthandler wrote) and carries the stacks. A shard of
        the whole app that died before reporting anything (a crash while collecting) is such an
        error too: nothing else would say the app's tests did not run.
        """
        stream = self._streams.pop(scratch.absolute(), None) or _stream(app, shard, scratch)
        results = [event for event in stream.read() if isinstance(event, TestResult)]
        running = stream.running
        if running is not None and (exit.returncode or exit.killed_for):
            stacks = read_stacks(scratch.absolute())  # it ended during a test: not pytest's fault
            if stacks is not None:
                where, longrepr = stacks.test_frame(app.path), stacks.as_traceback()
                results.append(
                    TestResult(app.name, running, Outcome.ERROR, message=where, longrepr=longrepr)
                )
            return results
        trouble = PYTEST_TROUBLE.get(exit.returncode)
        if trouble is None and not shard.tests and exit.returncode not in (0, 1, NO_TESTS):
            trouble = "ended before reporting any test"
        if trouble is None or stream.results:
            return results
        target = _file_of(shard.tests[0]) if shard.tests else app.name
        return [_pytest_error(app, shard, target, trouble, exit)]

    def coverage(self, app: Application, shard: Shard, scratch: Path) -> CoverageMap | None:
        """The lines each test of ``shard`` executed, when it recorded coverage (else None).

        Files are app-relative; lines run while collecting or importing belong to no test and
        are left out. EnvironmentProblem when the app's interpreter could not record coverage.
        """
        if not shard.coverage:
            return None
        scratch = scratch.absolute()
        data_files = _coverage_files(scratch)
        if not data_files:
            _raise_coverage_problem(app, scratch / "events.jsonl")
        try:
            lines = read_lines(data_files, app.path)
        except UnreadableCoverage as error:
            python = resolve_python(app, _settings(app).python)
            ours = version("coverage")
            raise EnvironmentProblem(
                f"app '{app.name}': cannot read the coverage data {python} recorded ({error}); "
                f"give it the coverage.py orch uses ({python} -m pip install coverage=={ours})"
            ) from error
        return CoverageMap(app=app.name, commit="", lines=lines)


def _collect_app(app: Application, python: str) -> list[dict]:
    """The collection records of the app (as the command line narrowed it), in pytest's order.

    A large suite is collected by several pytest processes at once, each given a share of the
    files pytest lists (listing imports nothing); a small one by a single process.
    """
    args, targets = _args(app), _targets(app)
    processes = min(os.cpu_count() or 1, MAX_COLLECTORS)
    if processes > 1 and _python_files(app.path, PARALLEL_FROM) >= PARALLEL_FROM:
        files = [r["file"] for r in _collect(app, python, args, targets, list_only=True)]
        if len(files) >= PARALLEL_FROM:
            groups = _balanced(files, app.path, processes)
            with ThreadPoolExecutor(max_workers=len(groups)) as pool:
                parts = pool.map(lambda group: _collect(app, python, args, targets, group), groups)
                records = [record for part in parts for record in part]
            order = {name: index for index, name in enumerate(files)}
            records.sort(key=lambda r: order.get(r.get("file"), len(order)))
            return _kept(records)
    return _kept(_collect(app, python, args, targets))


def _kept(records: list[dict]) -> list[dict]:
    """The records that stand for a test (collected, or a file that failed to collect)."""
    return [record for record in records if test_case("", record) is not None]


def _collect(
    app: Application,
    python: str,
    args: tuple[str, ...],
    targets: tuple[str, ...],
    files: list[str] | None = None,
    list_only: bool = False,
) -> list[dict]:
    """Run ``pytest --collect-only`` with the event plugin; its records (in pytest's order).

    ``files`` narrows collection to those files; ``list_only`` lists files without importing.
    """
    with tempfile.TemporaryDirectory(prefix="orch-collect-") as tmp:
        events = Path(tmp) / "collect.jsonl"
        env = {**os.environ, **plugin_env(app), "ORCH_EVENTS": str(events)}
        env["ORCH_NO_BYTECODE"] = "1"
        inherited_options = (
            "ORCH_SELECT",
            "ORCH_LIST_FILES",
            "ORCH_FILES",
            "ORCH_COVERAGE",
            "ORCH_PARTITION",
        )
        for inherited in (*inherited_options, "ORCH_REPORT_COLLECTED"):
            env.pop(inherited, None)
        if list_only:
            env["ORCH_LIST_FILES"] = "1"
        if files is not None:
            only = Path(tmp) / "files.txt"
            only.write_text("".join(f"{name}\n" for name in files), encoding="utf-8")
            env["ORCH_FILES"] = str(only)
        argv = [python, "-m", "pytest", "--collect-only", "-q", *ALWAYS, *args]
        done = subprocess.run(
            [*argv, *targets],
            cwd=app.path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",  # pytest prints file names as they are, UTF-8 or not
        )
        if done.returncode == NO_TESTS and not list_only:
            return []
        if done.returncode not in (0, 1, NO_TESTS) or not events.exists():
            raise _collect_problem(app, python, done)
        return [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]


def _python_files(root: Path, enough: int) -> int:
    """How many .py files ``root`` holds (hidden and virtualenv folders skipped), to ``enough``."""
    found = 0
    for _folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS]
        found += sum(name.endswith(".py") for name in files)
        if found >= enough:
            break
    return found


def _balanced(files: list[str], root: Path, groups: int) -> list[list[str]]:
    """Split ``files`` into ``groups`` lists of about equal total size, each in listing order."""
    sizes = {name: (root / name).stat().st_size if (root / name).exists() else 0 for name in files}
    loads = [0] * groups
    shares: list[list[str]] = [[] for _ in range(groups)]
    for name in sorted(files, key=lambda n: -sizes[n]):
        lightest = loads.index(min(loads))
        loads[lightest] += sizes[name] + 1
        shares[lightest].append(name)
    order = {name: index for index, name in enumerate(files)}
    return [sorted(share, key=order.__getitem__) for share in shares if share]


def _stream(app: Application, shard: Shard, scratch: Path) -> PytestEvents:
    return PytestEvents(scratch.absolute() / "events.jsonl", app.name, shard)


def _coverage_files(scratch: Path) -> list[Path]:
    """The coverage data files a shard left in ``scratch``: its own and its xdist workers'."""
    found = [scratch / COVERAGE_FILE] if (scratch / COVERAGE_FILE).is_file() else []
    workers = scratch.glob(f"{COVERAGE_FILE}.*")
    return found + sorted(p for p in workers if not p.name.endswith("-journal"))


def _raise_coverage_problem(app: Application, events: Path) -> None:
    """Raise what the event plugin said kept coverage.py from recording, if it said anything."""
    try:
        text = events.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    for line in text.splitlines():
        if '"event": "coverage-' not in line:
            continue
        record = json.loads(line)
        python = resolve_python(app, _settings(app).python)
        if record["event"] == "coverage-missing":
            raise EnvironmentProblem(
                f"app '{app.name}': coverage.py is not installed for {python}; install it there "
                f"({python} -m pip install coverage) to use --record-coverage"
            )
        if record["event"] == "coverage-error":
            raise EnvironmentProblem(
                f"app '{app.name}': coverage.py could not record in {python}: "
                f"{record.get('message', 'no reason given')}; fix it there "
                f"({python} -m pip install -U coverage) to use --record-coverage"
            )


def _file_of(test: TestCase) -> str:
    return test.file or test.nodeid.split("::", 1)[0]


def _args(app: Application) -> tuple[str, ...]:
    """The app's pytest arguments, then the command line's ``-k``/``-m`` and what followed ``--``:
    collection and every shard get the same ones, so both see the same tests."""
    narrow = app.test_filter
    keyword = ("-k", narrow.keyword) if narrow.keyword else ()
    marker = ("-m", narrow.marker) if narrow.marker else ()
    return (*_settings(app).args, *keyword, *marker, *narrow.runner_args)


def _targets(app: Application) -> tuple[str, ...]:
    """What pytest collects: the command line's paths and ids, else the workflow's ``paths``."""
    return app.test_filter.paths or app.paths


def _settings(app: Application) -> PytestSettings:
    return app.settings if app.settings is not None else PytestSettings()


def _tail(text: str, count: int = 3) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()][-count:]


def _collect_problem(
    app: Application, python: str, done: subprocess.CompletedProcess
) -> EnvironmentProblem:
    if pytest_missing(python, app):
        return EnvironmentProblem(
            f"app '{app.name}': pytest is not importable by {python}; "
            f"install it there (e.g. `{python} -m pip install pytest`)"
        )
    said = "; ".join(_tail(done.stdout + done.stderr)) or "no output"
    return EnvironmentProblem(
        f"app '{app.name}': pytest could not collect tests in {app.path} "
        f"(exit code {done.returncode}): {said}"
    )


def _pytest_error(
    app: Application, shard: Shard, nodeid: str, trouble: str, exit: ShardExit
) -> TestResult:
    said = "; ".join(_tail(exit.output_tail)) or "no output"
    return TestResult(
        app=app.name,
        nodeid=nodeid,
        outcome=Outcome.ERROR,
        message=f"pytest {trouble} (exit code {exit.returncode}): {said}",
        longrepr=exit.output_tail,
        attempt=shard.attempt,
        file=nodeid if shard.tests else "",
    )
