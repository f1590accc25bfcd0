"""Writing a run down as it goes: results batched into one store transaction a few times a second,
the observer's progress, and each test's recorded coverage merged per application.

A store that fails mid-way costs the run its record, never its results: the first StoreProblem is
kept (``unstored``) and nothing more is written, while the reports still get every result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Protocol

from attrs import define, field

from orch.core.shared.outcomes import Counts
from orch.ports import (
    CoverageMap,
    CoverageStore,
    Progress,
    RunningTest,
    RunStore,
    StoreProblem,
    TestResult,
)
from orch.ports.observer import RunObserver

FLUSH_SECONDS = 0.25
"""How often results are written to the store and the display refreshed while a run goes on."""
QUIET_REPORT_SECONDS = 1.0
"""The observer hears at least this often even when nothing changed, so it can tell how long the
running tests have been running (a log's heartbeat)."""


class RecordingStore(RunStore, CoverageStore, Protocol):
    """What a run writes: its record and progress, and the coverage it recorded."""


@define
class Batch:
    """What happened since the last flush, written to the store in one transaction."""

    attempts: list[TestResult] = field(factory=list)
    finals: list[TestResult] = field(factory=list)
    started: list[RunningTest] = field(factory=list)
    finished: list[tuple[str, str]] = field(factory=list)
    durations: dict[tuple[str, str], float] = field(factory=dict)
    planned: int | None = None

    def empty(self) -> bool:
        return not (
            self.attempts
            or self.finals
            or self.started
            or self.finished
            or self.planned is not None
        )

    def progress(self) -> Progress:
        return Progress(
            attempts=self.attempts,
            finals=self.finals,
            started=self.started,
            finished=self.finished,
            planned=self.planned,
            durations=self.durations,
        )


class Recorder:
    """The run's writes to the store and its progress reports to the observer."""

    def __init__(
        self, store: RecordingStore, run_id: str, observer: RunObserver, clock: Callable[[], float]
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.observer = observer
        self.clock = clock
        self.batch = Batch()
        self.changed = True
        """Something the observer has not heard of happened since its last progress report."""
        self.unstored = ""
        self.coverage: dict[str, dict[str, dict[str, tuple[int, ...]]]] = {}
        self._flushed_at = float("-inf")
        self._reported_at = float("-inf")
        self._running_written: set[tuple[str, str]] = set()

    def attempt(self, result: TestResult) -> None:
        """Keep ``result``, a failed attempt that runs again (its final comes later)."""
        self.batch.attempts.append(result)
        self.changed = True

    def write(self, write: Callable[..., object], *args, **changes) -> None:
        """Write to the store unless it failed earlier in this run."""
        if self.unstored:
            return
        try:
            write(*args, **changes)
        except StoreProblem as problem:
            self.unstored = str(problem)
        except KeyError:
            self.unstored = (
                f"the store no longer holds run {self.run_id} (was it replaced while the run "
                "went on?); run again to record one"
            )

    def flush(
        self, running: Iterable[RunningTest], counts: Callable[[int], Counts], force: bool = False
    ) -> None:
        """Write what happened since the last flush in one transaction, a few times a second;
        ``running`` are the tests running now, ``counts(running)`` the run's counts."""
        now = self.clock()
        if not force and now - self._flushed_at < FLUSH_SECONDS:
            return
        self._flushed_at = now
        current = {(test.app, test.nodeid): test for test in running}
        batch = self.batch
        batch.started = [current[key] for key in current.keys() - self._running_written]
        batch.finished = list(self._running_written - current.keys())
        self._running_written = set(current)
        if not batch.empty():
            self.write(self.store.record, self.run_id, batch.progress())
            self.batch = Batch()
        if self.changed or now - self._reported_at >= QUIET_REPORT_SECONDS:
            self._reported_at = now
            self.observer.progress(counts(len(current)), list(current.values()))
            self.changed = False

    def merge_coverage(self, app: str, recorded: CoverageMap) -> None:
        """Add the lines a shard's tests ran to its application's map."""
        merged = self.coverage.setdefault(app, {})
        for file, tests in recorded.lines.items():
            merged.setdefault(file, {}).update(tests)

    def save_coverage(
        self, stale: dict[str, tuple[str, ...]], commits: dict[str, str], commit: str
    ) -> None:
        """Store each application's merged map under its own commit (``commits``, default
        ``commit``), with the files that differ from it (``stale``)."""
        for app, lines in self.coverage.items():
            self.write(
                self.store.save_coverage,
                CoverageMap(
                    app=app,
                    commit=commits.get(app, commit),
                    lines=lines,
                    stale=stale.get(app, ()),
                    recorded_at=time.time(),
                ),
            )
