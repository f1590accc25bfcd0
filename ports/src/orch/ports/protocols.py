"""The ports: what core needs from infrastructure, as Protocols adapters implement.

Adapters register *classes* (see ``orch.ports.hooks``); each carries ``PLUGIN_NAME``. Core creates
instances and calls only what is declared here, so an adapter that passes the contract tests in
``orch.testing`` works with every use case. The store's ports are in ``orch.ports.store``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar, Protocol, TypeAlias, runtime_checkable

from orch.ports.impact import FunctionSpan, Reach
from orch.ports.model import (
    Application,
    ChangedFile,
    Command,
    CoverageMap,
    IssueDraft,
    Shard,
    ShardExit,
    TestCase,
    TestResult,
    TestsCollected,
    TestStarted,
    TrackedIssue,
)

Event: TypeAlias = TestStarted | TestResult | TestsCollected
"""What a running shard reports: a test started, a test's result, or the tests it collected."""


@runtime_checkable
class EventStream(Protocol):
    """Incremental reader of what a running shard reports; ``read`` returns only what is new."""

    def read(self) -> list[Event]: ...


@runtime_checkable
class TestRunner(Protocol):
    """Knows one test framework: how to list its tests, start a shard, and read its results.

    ``Settings`` is an attrs class: the runner's block in the workflow (``runner: {pytest: {...}}``)
    is structured into it. ``selects_tests`` is False for runners that can only run a whole
    application (a shard then has no tests and results are whatever the framework reports).

    Optional, looked up with defaults so existing runners keep working:

    - ``runs_unlisted: ClassVar[bool] = False``: True when a shard with no tests runs the whole
      application, discovering and running in one process, and reports ``TestsCollected`` first
      (core then skips the separate discovery of small applications); with its ``partition``
      ``(i, n)`` it runs and reports only share ``i`` of ``n`` of the collected tests (the
      ``i``-th of ``n`` equal runs of them in nodeid order: the same share in every process);
      core splits an app with no history over the workers that way.
    - ``cache_in(directory: Path) -> None``: where the runner may keep caches (e.g. of discovery),
      called once by the composition root with a folder of orch's state directory.
    - ``waits_for_input: ClassVar[bool] = False``: True when a shard's process started held
      (``HELD_VAR``) runs nothing of the application's (no conftest, no test) before its
      standard input ends: core may then
      start the next shard early through an executor that ``Holds`` (its interpreter and
      framework imported while another shard runs) and let it go on when a worker is free.
    """

    PLUGIN_NAME: ClassVar[str]
    Settings: ClassVar[type]
    selects_tests: ClassVar[bool]

    def discover(self, app: Application) -> list[TestCase]: ...

    def command(self, app: Application, shard: Shard, scratch: Path) -> Command: ...

    def events(self, app: Application, shard: Shard, scratch: Path) -> EventStream: ...

    def finish(
        self, app: Application, shard: Shard, scratch: Path, exit: ShardExit
    ) -> list[TestResult]:
        """Results not yet read once the shard's process ended.

        For the test that was running when the process died or was killed, a runner may return
        a result whose ``message`` says where the test was (``tests/test_x.py:7 in test_x``) and
        whose ``longrepr`` holds the stacks; orch keeps its own outcome and reason and adds these.
        """
        ...

    def coverage(self, app: Application, shard: Shard, scratch: Path) -> CoverageMap | None: ...


@runtime_checkable
class ResultParser(Protocol):
    """Reads a result file some framework wrote (JUnit XML, TestNG, ...).

    ``sniff`` looks at the first bytes and says whether this parser understands the file;
    ``parse`` raises ``ResultFileError`` naming the file and the reason when it is corrupt.
    """

    PLUGIN_NAME: ClassVar[str]

    def sniff(self, head: bytes) -> bool: ...

    def parse(self, path: Path, app: str) -> list[TestResult]: ...


@runtime_checkable
class Process(Protocol):
    """A started shard process (and everything it spawned)."""

    pid: int

    def poll(self) -> int | None: ...

    def kill(self) -> None: ...

    def output_tail(self) -> str: ...

    def output(self) -> str: ...


@runtime_checkable
class StackDumps(Protocol):
    """A Process that can be asked to write its threads' stacks before it is killed (optional)."""

    def dump_stacks(self) -> bool:
        """Ask for the stacks (its command's ``stack_signal``); False when it cannot."""
        ...


@runtime_checkable
class HeldProcess(Process, Protocol):
    """A process started held (``Holds``): it waits until ``release`` ends its input."""

    def release(self) -> None: ...


HELD_VAR = "ORCH_HELD"
"""Set to ``1`` in the environment of a process started held: a runner's process that
``waits_for_input`` then waits for its input to end before running the application's code."""


@runtime_checkable
class Holds(Protocol):
    """An Executor that can start a command held (optional): ``HELD_VAR`` set and its standard
    input a pipe that stays open until ``release``, so a command that waits for its input's
    end starts early and goes on later."""

    def start_held(self, command: Command, scratch: Path, tag: str) -> HeldProcess: ...


@runtime_checkable
class Executor(Protocol):
    """Starts shard commands in isolation; ``tag`` marks every process so orphans can be reaped."""

    PLUGIN_NAME: ClassVar[str]

    def start(self, command: Command, scratch: Path, tag: str) -> Process: ...

    def wait(self, processes: Sequence[Process], timeout: float) -> None:
        """Return as soon as one of ``processes`` has ended, or after ``timeout`` seconds.

        The orchestrator's loop waits here between looks at its shards: a shard that ends wakes
        it at once, so the next one starts without a polling delay.
        """
        ...

    def reap(self, tag: str) -> int: ...


@runtime_checkable
class IssueTracker(Protocol):
    """Where root causes become issues (Jira, GitHub, a local inbox).

    ``find`` looks an issue up by the fingerprint orch stored in it (so a recurrence never files
    a duplicate); the other calls change one issue. Credentials come from the environment, never
    from arguments, and are never printed.
    """

    PLUGIN_NAME: ClassVar[str]

    def find(self, fingerprint: str) -> TrackedIssue | None: ...

    def create(self, draft: IssueDraft) -> TrackedIssue: ...

    def comment(self, issue: TrackedIssue, body: str) -> None: ...

    def reopen(self, issue: TrackedIssue, labels: Sequence[str] = ()) -> TrackedIssue: ...


@runtime_checkable
class Vcs(Protocol):
    """A version-control system seen through what orch needs of it."""

    PLUGIN_NAME: ClassVar[str]

    def root(self, path: Path) -> Path: ...

    def head(self, root: Path) -> str: ...

    def changed_files(
        self, root: Path, base: str, head: str | None = None
    ) -> list[ChangedFile]: ...

    def default_base(self, root: Path) -> str: ...

    def show(self, root: Path, ref: str, path: str) -> str | None: ...


@runtime_checkable
class AppImpact(Protocol):
    """One application's change analysis in one language, for one selection (it may cache).

    Paths are app-relative POSIX paths; files outside the app's folder that its tests can import
    start with ``../``. ``language`` names what it reads ("Python": core says "non-Python file
    X changed" for a file it does not read).
    """

    language: str

    def reads(self, path: str) -> bool:
        """Whether the analysis sees through ``path`` (a source file of its language)."""
        ...

    def outside_roots(self) -> tuple[Path, ...]:
        """Directories outside the app's folder whose files its tests can import."""
        ...

    def test_files(self) -> list[str]:
        """Every test file of the application, sorted."""
        ...

    def is_test(self, path: str) -> bool:
        """Whether ``path`` is a test file by the framework's conventions."""
        ...

    def tests_in(self, files: Sequence[str]) -> dict[str, list[str]]:
        """The test ids of each of ``files`` (the framework's own ids, runnable one by one)."""
        ...

    def file_of(self, nodeid: str) -> str:
        """The test file of the test ``nodeid``."""
        ...

    def notes(self, changed: Sequence[str]) -> list[str]:
        """What to tell about the changed files the analysis reads (one that does not parse)."""
        ...

    def changed_tests(self, change: ChangedFile) -> list[Reach]:
        """The tests of the changed test file ``change`` that its change touches."""
        ...

    def narrowed(
        self,
        change: ChangedFile,
        before: Callable[[], str | None],
        collect: Callable[[], list[TestCase] | None],
    ) -> list[Reach] | None:
        """For a modified shared test set-up file (a pytest ``conftest.py``), the tests its change
        reaches as the framework's own collection (``collect``) tells; ``before`` reads the file
        as it was. None: this file is not one, or the change cannot be narrowed."""
        ...

    def coverage_blind(self, path: str) -> str:
        """Why recorded coverage cannot answer for ``path`` ("" when it can)."""
        ...

    def functions(self, source: str) -> tuple[FunctionSpan, ...] | None:
        """The functions of ``source`` (None when it does not parse)."""
        ...

    def importers(self, changed: Sequence[str]) -> list[Reach]:
        """The tests whose files import one of ``changed`` directly or transitively (a deleted
        file still reaches the files that imported it), nearest changed file first."""
        ...

    def marked(self, test_file: str, marker: str) -> list[str]:
        """The tests of ``test_file`` carrying ``marker`` (a tag, label or marker)."""
        ...

    def close(self) -> None:
        """Keep what was learned for the next selection (caches)."""
        ...


@runtime_checkable
class ChangeImpact(Protocol):
    """Knows one language's change impact: which tests a changed file can reach, and why.

    Registered through ``orch_register_change_impact``; ``analyse`` returns None for an
    application that is not in its language (another analysis, or none, answers for it).
    ``build_files`` are globs (of a path or a file name) of the language's build and dependency
    files: a change to one selects the whole application, whatever its language.
    """

    PLUGIN_NAME: ClassVar[str]
    build_files: ClassVar[tuple[str, ...]]

    def analyse(self, app: Application, cache_dir: Path) -> AppImpact | None:
        """The analysis of ``app``; ``cache_dir`` is where it may keep caches."""
        ...
