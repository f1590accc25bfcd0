"""The ports: what core needs from infrastructure, as Protocols adapters implement.

Adapters register *classes* (see ``orch.ports.hooks``); each carries ``PLUGIN_NAME``. Core creates
instances and calls only what is declared here, so an adapter that passes the contract tests in
``orch.testing`` works with every use case.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeAlias, runtime_checkable

from attrs import field, frozen

from orch.ports.model import (
    Application,
    ChangedFile,
    Command,
    CoverageMap,
    Failure,
    FailureHistory,
    IssueDraft,
    Outcome,
    RunningTest,
    RunRecord,
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


@runtime_checkable
class StackDumps(Protocol):
    """A Process that can be asked to write its threads' stacks before it is killed (optional)."""

    def dump_stacks(self) -> bool:
        """Ask for the stacks (its command's ``stack_signal``); False when it cannot."""
        ...


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


@frozen
class Progress:
    """One batch of what happened in a run, written to the store in one transaction.

    ``attempts`` are the attempts that a retry follows (a final attempt is in ``finals``);
    ``started``/``finished`` add and remove rows of the tests running right now.
    """

    attempts: Sequence[TestResult] = ()
    finals: Sequence[TestResult] = ()
    started: Sequence[RunningTest] = ()
    finished: Sequence[tuple[str, str]] = ()
    planned: int | None = None
    durations: dict[tuple[str, str], float] = field(factory=dict, hash=False)


@runtime_checkable
class Store(Protocol):
    """Persists runs as they happen so a killed run can be resumed and a live one watched."""

    PLUGIN_NAME: ClassVar[str]

    def create_run(self, record: RunRecord) -> None: ...

    def get_run(self, run_id: str) -> RunRecord | None: ...

    def latest_run(self) -> RunRecord | None: ...

    def list_runs(self, limit: int = 20) -> list[RunRecord]: ...

    def update_run(self, run_id: str, **changes: Any) -> None: ...

    def record(self, run_id: str, progress: Progress) -> None: ...

    def final_results(self, run_id: str) -> list[TestResult]: ...

    def attempts(self, run_id: str) -> list[TestResult]: ...

    def running(self, run_id: str) -> list[RunningTest]: ...

    def planned(self, run_id: str) -> int: ...

    def durations(self, app: str) -> dict[str, float]: ...

    def save_coverage(self, coverage: CoverageMap) -> None: ...

    def coverage(self, app: str, files: Sequence[str] | None = None) -> CoverageMap | None: ...

    def outcome_history(self, app: str, runs: int = 20) -> dict[str, tuple[int, int, int]]: ...

    def record_failures(self, run_id: str, commit: str, failures: Sequence[Failure]) -> None: ...

    def failure_history(self, fingerprints: Sequence[str]) -> dict[str, FailureHistory]: ...

    def link_issue(self, fingerprint: str, issue: str, run_id: str = "") -> None: ...

    def last_outcomes(self, app: str, commit: str) -> dict[str, Outcome]: ...

    def close(self) -> None: ...


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
