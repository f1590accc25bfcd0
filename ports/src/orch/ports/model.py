"""Value types every side of orch speaks: tests, results, shards, runs.

They are plain frozen attrs classes so adapters, core and reports can pass them around, compare them
and serialise them without knowing about each other.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from attrs import evolve, field, frozen

from orch.ports.conditions import WaitFor
from orch.ports.data import DataUse
from orch.ports.isolation import NO_ISOLATION, Isolation, IsolationSettings


class Outcome(enum.StrEnum):
    """What happened to one test, in the words of DESIGN.md §4."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"
    TIMEOUT = "timeout"
    BLOCKED = "blocked"
    FLAKY = "flaky"

    @property
    def is_failure(self) -> bool:
        """True for outcomes that make a run fail (and that a retry may fix)."""
        return self in _FAILURES


_FAILURES = frozenset({Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT, Outcome.BLOCKED})


def qualified_id(app: str, nodeid: str) -> str:
    """The orch-wide identity of a test: ``app::nodeid``."""
    return f"{app}::{nodeid}"


@frozen
class TestCase:
    """One test as discovered by its framework; ``nodeid`` is the framework's own id."""

    __test__ = False  # not a pytest test class

    app: str
    nodeid: str
    file: str = ""
    markers: tuple[str, ...] = ()
    fixtures: tuple[str, ...] | None = None
    """Every fixture the test uses, its whole closure (pytest's ``item.fixturenames``), when the
    framework knows it; None when it does not. Selection narrows a changed fixture with it."""

    @property
    def id(self) -> str:
        return qualified_id(self.app, self.nodeid)


@frozen
class TestResult:
    """The outcome of one attempt at one test, as a runner or parser reports it."""

    __test__ = False

    app: str
    nodeid: str
    outcome: Outcome
    duration: float = 0.0
    message: str = ""
    longrepr: str = ""
    stdout: str = ""
    stderr: str = ""
    markers: tuple[str, ...] = ()
    attempt: int = 1
    file: str = ""

    @property
    def id(self) -> str:
        return qualified_id(self.app, self.nodeid)

    def with_texts(self, change: Callable[[str], str]) -> TestResult:
        """This result with ``change`` applied to what the test produced (message, trace, stdout,
        stderr; not its id, which names the test to run again); itself when nothing changed."""
        texts = (self.message, self.longrepr, self.stdout, self.stderr)
        message, longrepr, stdout, stderr = changed = tuple(change(text) for text in texts)
        if changed == texts:
            return self
        return evolve(self, message=message, longrepr=longrepr, stdout=stdout, stderr=stderr)

    def relative_to(self, root: Path) -> TestResult:
        """This result with paths under ``root`` (plain or ``file://`` URLs, in ``file``, the
        message and the trace, and a nodeid that is such a path: a file that failed to load) made
        relative to it, as pytest shows the paths of the project it runs.

        Frameworks that print absolute locations (node's test runner) then read like the rest:
        ``test/cart.test.mjs:13:39``, a path CODEOWNERS, suggestions and CI reporters understand.
        """
        roots = sorted({root.absolute().as_posix(), root.resolve().as_posix()}, key=len)
        under = re.compile(
            r"(?<![\w./-])(?:file://)?(?:" + "|".join(re.escape(r) for r in roots[::-1]) + ")/"
        )

        def strip(text: str) -> str:
            return under.sub("", text)

        file = strip(self.file).removeprefix("file://")
        nodeid = strip(self.nodeid) if self.nodeid.startswith(("/", "file://")) else self.nodeid
        message, longrepr = strip(self.message), strip(self.longrepr)
        if (file, nodeid, message, longrepr) == (
            self.file,
            self.nodeid,
            self.message,
            self.longrepr,
        ):
            return self
        return evolve(self, file=file, nodeid=nodeid, message=message, longrepr=longrepr)


@frozen
class OutputLimits:
    """How much of each text a test produces (its stdout, stderr, trace and message) orch keeps:
    the first ``head`` and the last ``tail`` characters, the cut said in place between them.

    A test printing 100 MiB would otherwise make reports and an orchestrator of that size.
    """

    head: int = 65536
    tail: int = 65536


@frozen
class Shard:
    """A batch of tests of one application run by one process.

    ``tests`` is empty for runners that cannot select single tests: the shard runs the whole app.
    ``key`` names the shard in the store and on disk; ``attempt`` counts retries; with
    ``coverage`` the runner records which lines each test executes (``orch run --record-coverage``);
    a runner that can cut a test's output where it is produced keeps ``output`` of it.
    ``partition`` ``(i, n)`` of a shard without tests: it runs share ``i`` of ``n`` of what it
    collects (runners that ``runs_unlisted``), so an app with no history needs no discovery first.
    """

    app: str
    tests: tuple[TestCase, ...]
    key: str = ""
    attempt: int = 1
    priority: int = 0
    coverage: bool = False
    output: OutputLimits = OutputLimits()
    partition: tuple[int, int] = (0, 1)
    timeout: float | None = None
    """A limit on the whole process, in seconds (a flow step's ``timeout``); None: the run's
    shard timeout."""

    @property
    def nodeids(self) -> tuple[str, ...]:
        return tuple(t.nodeid for t in self.tests)


@frozen
class Command:
    """A process to start for a shard: what an Executor needs and nothing more."""

    argv: tuple[str, ...]
    cwd: Path
    env: dict[str, str] = field(factory=dict, hash=False)
    passenv: tuple[str, ...] = ()
    """Globs of variables of orch's own environment to pass through (``CI_*``), as tox does."""
    stack_signal: int = 0
    """A signal the process answers by writing the stack of every thread (0: it has none); orch
    sends it to a test it is about to kill for a timeout, so the result says where it hung."""
    output: OutputLimits = OutputLimits()
    """How much of the start and of the end of what the process prints its executor keeps (the
    workflow's ``execution.output``): a process printing 100 MiB leaves no log that size."""
    isolation: Isolation = NO_ISOLATION
    """How the executor keeps the process apart (core decides it from the application)."""


@frozen
class TestStarted:
    """Event: a test began running (lets the orchestrator time it out and show it as running)."""

    __test__ = False

    app: str
    nodeid: str


@frozen
class TestsCollected:
    """Event: a shard that was given no test list found these tests (its planned tests).

    Runners that discover and run in one process (``runs_unlisted``) report it before the first
    test starts, so planned counts, crash handling and resume know what the shard holds.
    """

    __test__ = False

    tests: tuple[TestCase, ...]


@frozen
class ShardExit:
    """How a shard process ended: exit code (negative: that signal), and why orch killed it.

    ``output_tail`` is the end of what it printed (the last ~4 KB, for messages); ``output`` all
    of it that its log kept (its head and tail, see ``OutputLimits``), for a runner whose
    framework prints evidence its result files drop.
    """

    returncode: int
    killed_for: str = ""
    output_tail: str = ""
    output: str = ""

    TAIL: ClassVar[int] = 4096
    """Characters of the output's end ``output_tail`` keeps."""

    @classmethod
    def printed(cls, returncode: int, output: str, killed_for: str = "") -> ShardExit:
        """How it ended, given all it printed (read once): its tail is the end of that."""
        return cls(returncode, killed_for, output[-cls.TAIL :], output)


@frozen
class MappingRule:
    """``{source: regex, tests: template}``: a changed file matching ``source`` (a full match of
    its app-relative path) selects the test files ``tests`` names, ``{1}`` being group 1."""

    source: str
    tests: str


@frozen
class SelectSettings:
    """How an application's tests are selected for a change (the workflow's ``select`` block).

    ``strategy`` is ``change-based`` or ``all``; ``strategies`` limits the analyses used (default:
    every one available, the safest combination); ``always_run`` markers and path globs name smoke
    tests that run whatever changed; ``ignore`` globs name files whose changes select nothing;
    tests carrying a ``critical`` marker rank higher when selected.
    """

    strategy: str = "change-based"
    strategies: tuple[str, ...] = ("mapping", "imports", "coverage", "history")
    mapping_rules: tuple[MappingRule, ...] = ()
    always_run_markers: tuple[str, ...] = ()
    always_run_paths: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    critical_markers: tuple[str, ...] = ("critical",)


@frozen
class TestFilter:
    """How the command line narrows an application's tests, as pytest's does.

    ``paths`` are app-relative files, folders or ids (``tests/test_x.py::test_y``) the runner
    collects instead of its default; ``keyword`` and ``marker`` are expressions the runner
    interprets (pytest's ``-k`` and ``-m``); ``tests`` keeps only these ids and what lies under
    them (``--lf``), whatever the runner; ``runner_args`` go at the end of the runner's command
    line (what follows ``--``).
    """

    __test__ = False

    paths: tuple[str, ...] = ()
    keyword: str = ""
    marker: str = ""
    tests: tuple[str, ...] = ()
    runner_args: tuple[str, ...] = ()

    def keeps(self, nodeid: str) -> bool:
        """True when ``tests`` is empty or names ``nodeid`` or a test path above it."""
        if not self.tests:
            return True
        return any(nodeid == t or nodeid.startswith(f"{t}::") for t in self.tests)


@frozen
class Application:
    """One application under test as the workflow describes it.

    ``env`` is added to the clean environment of its test processes; ``passenv`` globs name
    variables of orch's own environment passed through as they are; ``test_filter`` is how the
    command line narrowed its tests; ``environment`` names the workflow's environment its tests
    need (``""``: none), and makes ``env`` a template (``{payment-db.port}``); ``isolation``
    says how its shards are kept apart (what it leaves out: what ``test_type`` implies, then
    ``execution.isolation``), ``test_type`` (``""``, or one of ``TEST_TYPES``) what they test;
    ``test_data`` the dataset its tests read (``orch.ports.data``).
    """

    name: str
    path: Path
    runner: str
    settings: Any = None
    priority: int = 0
    env: dict[str, str] = field(factory=dict, hash=False)
    timeout: float | None = None
    retries: int | None = None
    paths: tuple[str, ...] = ()
    select: SelectSettings = SelectSettings()
    passenv: tuple[str, ...] = ()
    test_filter: TestFilter = TestFilter()
    retry_timeouts: bool | None = None
    environment: str = ""
    isolation: IsolationSettings | None = None
    test_type: str = ""
    test_data: DataUse | None = None
    health: WaitFor = ()
    """What must hold before its flow steps run (``orch.ports.conditions``): when it does not,
    they are ``blocked``, naming the application and why."""
    criticality: int = 0
    """Its declared business criticality, 0-100 (``orch.ports.phases.CRITICALITY``): a
    priority term when ``execution.priority`` uses it."""


DEFAULT_TIMEOUT = 300.0
"""Seconds a test may run before orch kills it, unless the workflow or ``--timeout`` says otherwise:
long enough for a slow integration test, short enough that a hang does not eat a CI job."""

DEFAULT_HEARTBEAT = 30.0
"""Seconds between the lines that name long-running tests in a log (not on a terminal)."""


@frozen
class Execution:
    """How a run executes: parallelism, time limits, retries.

    ``timeout`` is per test (``None`` or ``0``: no limit); ``retry_timeouts: False`` gives a
    timed-out test no retry; ``heartbeat`` is how often a log names the tests that have been
    running longer than that (``0``: never); ``output`` is how much of each test's output is kept;
    ``isolation`` is what neither an application's ``isolation`` nor its test type says.
    """

    workers: int = 2
    timeout: float | None = DEFAULT_TIMEOUT
    shard_timeout: float | None = None
    retries: int = 0
    retry_timeouts: bool = True
    heartbeat: float = DEFAULT_HEARTBEAT
    output: OutputLimits = OutputLimits()
    isolation: IsolationSettings | None = None
    priority: tuple[str, ...] = ()
    """The dynamic terms each shard's priority adds to its application's ``priority``
    (``orch.ports.phases.PRIORITY_TERMS``); none: the declared priority alone."""


@frozen
class RunningTest:
    """A test that a live run has started and not yet finished."""

    __test__ = False

    app: str
    nodeid: str
    started_at: float


@frozen
class CoverageMap:
    """Which lines of which files each test executed, recorded at ``commit``.

    ``lines[file][nodeid]`` are the 1-based line numbers of ``file`` (app-relative) that test
    ``nodeid`` executed; ``stale`` lists files that differed from ``commit`` while recording (a
    dirty working tree), whose lines therefore cannot be trusted against that commit.
    """

    app: str
    commit: str
    lines: dict[str, dict[str, tuple[int, ...]]] = field(factory=dict, hash=False)
    stale: tuple[str, ...] = ()
    recorded_at: float = 0.0


@frozen
class ChangedFile:
    """A file changed between two states of a repository, with the line ranges that changed.

    ``hunks`` are 1-based inclusive (start, end) ranges of the new file that were added or
    changed; ``old_hunks`` the ranges of the old file that were removed or changed (a pure
    insertion after line n is ``(n, n)`` there, so it still points into the old file).
    Binary files have no hunks; an added file's ``old_hunks`` and a deleted one's ``hunks``
    are empty.
    """

    path: str
    status: str  # added, modified, deleted, renamed, untracked
    old_path: str | None = None
    hunks: tuple[tuple[int, int], ...] = ()
    old_hunks: tuple[tuple[int, int], ...] = ()


@frozen
class Frame:
    """One stack frame of a failure's trace, in any language."""

    file: str
    line: int
    function: str
    language: str = ""


class Standing(enum.StrEnum):
    """Where a failure stands against history: new, known (seen in an earlier run), a regression
    (it passed at the base) or flaky (it passed on retry)."""

    NEW = "new"
    KNOWN = "known"
    REGRESSION = "regression"
    FLAKY = "flaky"


@frozen
class FailureStanding:
    """A failure's place in history: its ``status`` (None until triage placed it), for a flaky
    one the share of recent runs it was flaky in, and the issue filed for its root cause.

    ``str()`` is what reports, the summary and the triage output show:
    ``flaky, 20% of recent runs, SHOP-1``.
    """

    status: Standing | None = None
    flaky_rate: float = 0.0
    issue: str = ""

    def __str__(self) -> str:
        if self.status is None:
            return ""
        text = self.status.value
        if self.status is Standing.FLAKY and self.flaky_rate:
            text = f"{text}, {self.flaky_rate:.0%} of recent runs"
        return f"{text}, {self.issue}" if self.issue else text


@frozen
class Failure:
    """A failed, errored or timed-out test, as triage sees it (DESIGN.md §4).

    Built from a ``TestResult`` (``result``) plus what triage derives: the exception type, the
    parsed trace, the normalised message ``template`` and its ``fingerprint``, the ``cluster`` it
    joins and the root ``cause`` it was clustered by (``TypeError raised in
    shop/cart.py:total``; empty when only its message template could group it), its
    ``category`` with the defect type, reason and confidence, its ``history``
    standing (new, known, regression, flaky), a ``suggestion`` and whom it is ``assigned_to``.
    """

    result: TestResult
    exception_type: str = ""
    frames: tuple[Frame, ...] = ()
    logs: str = ""
    artifacts: tuple[str, ...] = ()
    commit: str = ""
    template: str = ""
    fingerprint: str = ""
    cluster: str = ""
    cause: str = ""
    category: str = ""
    defect_type: str = ""
    category_reason: str = ""
    confidence: float = 0.0
    history: FailureStanding = FailureStanding()
    suggestion: str = ""
    assigned_to: str = ""

    @property
    def id(self) -> str:
        """``app::nodeid``, the orch-wide identity of the failing test."""
        return self.result.id

    @property
    def test_id(self) -> str:
        """The same as ``id``: the name users reach for first."""
        return self.result.id

    @property
    def app(self) -> str:
        """The application whose test failed."""
        return self.result.app

    @property
    def nodeid(self) -> str:
        """The framework's own id of the test (pytest nodeid, JUnit ``classname.name``)."""
        return self.result.nodeid

    @property
    def outcome(self) -> Outcome:
        """The result's outcome: failed, error, timeout, blocked or flaky."""
        return self.result.outcome

    @property
    def message(self) -> str:
        """The result's failure message (the exception line, or the framework's message)."""
        return self.result.message

    @property
    def duration(self) -> float:
        """Seconds the failing attempt took."""
        return self.result.duration


@frozen
class FailureHistory:
    """What the store remembers of one failure fingerprint across runs."""

    fingerprint: str
    first_run: str
    first_commit: str
    last_run: str
    last_commit: str
    occurrences: int
    runs: int
    issue: str = ""
    filed_run: str = ""


@frozen
class IssueDraft:
    """An issue to file for one cluster of failures; ``fingerprint`` finds it again later."""

    title: str
    body: str
    fingerprint: str
    labels: tuple[str, ...] = ()
    assignee: str = ""


@frozen
class TrackedIssue:
    """An issue as a tracker holds it."""

    key: str
    url: str
    fingerprint: str
    closed: bool = False
    labels: tuple[str, ...] = ()
