"""Value types every side of orch speaks: tests, results, shards, runs.

They are plain frozen attrs classes so adapters, core and reports can pass them around, compare them
and serialise them without knowing about each other.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

from attrs import field, frozen


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


@frozen
class Shard:
    """A batch of tests of one application run by one process.

    ``tests`` is empty for runners that cannot select single tests: the shard runs the whole app.
    ``key`` names the shard in the store and on disk; ``attempt`` counts retries.
    """

    app: str
    tests: tuple[TestCase, ...]
    key: str = ""
    attempt: int = 1
    priority: int = 0

    @property
    def nodeids(self) -> tuple[str, ...]:
        return tuple(t.nodeid for t in self.tests)


@frozen
class Command:
    """A process to start for a shard: what an Executor needs and nothing more."""

    argv: tuple[str, ...]
    cwd: Path
    env: dict[str, str] = field(factory=dict, hash=False)


@frozen
class TestStarted:
    """Event: a test began running (lets the orchestrator time it out and show it as running)."""

    __test__ = False

    app: str
    nodeid: str


@frozen
class ShardExit:
    """How a shard process ended: exit code (negative: that signal), and why orch killed it."""

    returncode: int
    killed_for: str = ""
    output_tail: str = ""


@frozen
class Application:
    """One application under test as the workflow describes it."""

    name: str
    path: Path
    runner: str
    settings: Any = None
    priority: int = 0
    env: dict[str, str] = field(factory=dict, hash=False)
    timeout: float | None = None
    retries: int | None = None
    paths: tuple[str, ...] = ()


@frozen
class Execution:
    """How a run executes: parallelism, time limits, retries."""

    workers: int = 2
    timeout: float | None = None
    shard_timeout: float | None = None
    retries: int = 0


@frozen
class RunRecord:
    """A run as the store keeps it."""

    id: str
    workflow: str
    commit: str
    started_at: float
    ended_at: float | None = None
    exit_code: int | None = None
    status: str = "running"
    pid: int = 0
    spec: str = ""


@frozen
class RunningTest:
    """A test that a live run has started and not yet finished."""

    __test__ = False

    app: str
    nodeid: str
    started_at: float


@frozen
class ChangedFile:
    """A file changed between two states of a repository."""

    path: str
    status: str  # added, modified, deleted, renamed, untracked
    old_path: str | None = None
