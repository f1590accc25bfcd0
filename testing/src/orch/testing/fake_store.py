"""In-memory fakes of the store's ports, with the semantics of the SQLite store.

One fake per narrow port, so a test of a use case hands it only the port it uses:
``FakeRunStore`` (runs, and the history they leave: ``RunStore`` and ``HistoryStore``),
``FakeCoverageStore``, ``FakeFailureStore``; ``FakeStore`` is all of them, the ``Store``.
Each passes the contract of its ports in ``orch.testing.store_contracts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from attrs import define, evolve, field

from orch.ports import (
    CoverageMap,
    Failure,
    FailureHistory,
    Outcome,
    OutcomeHistory,
    Progress,
    RunningTest,
    RunRecord,
    RunState,
    TestResult,
)

_UPDATABLE = frozenset({"ended_at", "exit_code", "status", "pid"})
_FAILED = frozenset({Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT})


@define(slots=False)
class FakeRunStore:
    """Runs, their results and the history they leave (``RunStore`` and ``HistoryStore``)."""

    DURATION_WEIGHT: ClassVar[float] = 0.5

    runs: dict[str, RunRecord] = field(factory=dict)
    _planned: dict[str, int] = field(factory=dict)
    _attempts: dict[tuple[str, str, str, int], TestResult] = field(factory=dict)
    _finals: dict[tuple[str, str, str], TestResult] = field(factory=dict)
    _running: dict[tuple[str, str, str], RunningTest] = field(factory=dict)
    _durations: dict[tuple[str, str], float] = field(factory=dict)

    def create_run(self, record: RunRecord) -> None:
        """Record a new run; its id must not exist yet."""
        if record.id in self.runs:
            raise ValueError(f"run {record.id!r} already exists")
        self.runs[record.id] = record

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with this id, or None."""
        return self.runs.get(run_id)

    def latest_run(self) -> RunRecord | None:
        """The most recently started run, or None."""
        runs = self.list_runs(limit=1)
        return runs[0] if runs else None

    def list_runs(self, limit: int = 20) -> list[RunRecord]:
        """Up to ``limit`` runs, the most recently started first."""
        order = sorted(enumerate(self.runs.values()), key=lambda p: (p[1].started_at, p[0]))
        return [run for _, run in reversed(order)][:limit]

    def update_run(self, run_id: str, **changes: Any) -> None:
        """Change ``ended_at``, ``exit_code``, ``status`` or ``pid`` of a run."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)} of a run")
        self.runs[run_id] = evolve(self.runs[run_id], **changes)

    def record(self, run_id: str, progress: Progress) -> None:
        """Apply one batch; a repeated attempt, and a second final of a test unless of a later
        attempt, are ignored."""
        if run_id not in self.runs:
            raise KeyError(run_id)
        for r in progress.attempts:
            self._attempts.setdefault((run_id, r.app, r.nodeid, r.attempt), r)
        for r in progress.finals:
            before = self._finals.get((run_id, r.app, r.nodeid))
            if before is None or r.attempt > before.attempt:
                self._finals[(run_id, r.app, r.nodeid)] = r
        for t in progress.started:
            self._running.pop((run_id, t.app, t.nodeid), None)
            self._running[(run_id, t.app, t.nodeid)] = t
        for app, nodeid in progress.finished:
            self._running.pop((run_id, app, nodeid), None)
        if progress.planned is not None:
            self._planned[run_id] = progress.planned
        w = self.DURATION_WEIGHT
        for key, seconds in progress.durations.items():
            old = self._durations.get(key)
            self._durations[key] = seconds if old is None else old * (1 - w) + seconds * w

    def final_results(self, run_id: str) -> list[TestResult]:
        """The final result of every finished test of a run, in the order recorded."""
        return [r for key, r in self._finals.items() if key[0] == run_id]

    def attempts(self, run_id: str) -> list[TestResult]:
        """Every attempt of a run, in the order recorded."""
        return [r for key, r in self._attempts.items() if key[0] == run_id]

    def running(self, run_id: str) -> list[RunningTest]:
        """Tests started and not finished, the longest-running first."""
        started = [t for key, t in self._running.items() if key[0] == run_id]
        return sorted(started, key=lambda t: t.started_at)

    def planned(self, run_id: str) -> int:
        """How many tests the run planned (0 when unknown)."""
        return self._planned.get(run_id, 0)

    def last_outcomes(self, app: str, commit: str) -> dict[str, Outcome]:
        """Final outcomes of the app's latest finished run at ``commit``."""
        for record in self._finished():
            if record.commit != commit:
                continue
            mine = (record.id, app)
            found = {n: r.outcome for (run, a, n), r in self._finals.items() if (run, a) == mine}
            if found:
                return found
        return {}

    def durations(self, app: str) -> dict[str, float]:
        """The moving average of each test's duration in ``app``."""
        return {nodeid: s for (a, nodeid), s in self._durations.items() if a == app}

    def outcome_history(self, app: str, runs: int = 20) -> dict[str, OutcomeHistory]:
        """Per test: final results, failures and flaky outcomes in the app's last ``runs``
        finished runs that have results for it."""
        with_results = {run_id for (run_id, a, _) in self._finals if a == app}
        recent = set([r.id for r in self._finished() if r.id in with_results][:runs])
        history: dict[str, OutcomeHistory] = {}
        for (run_id, a, nodeid), result in self._finals.items():
            if a != app or run_id not in recent:
                continue
            seen = history.get(nodeid, OutcomeHistory())
            history[nodeid] = OutcomeHistory(
                seen.runs + 1,
                seen.failures + (result.outcome in _FAILED),
                seen.flaky + (result.outcome is Outcome.FLAKY),
            )
        return history

    def _finished(self) -> list[RunRecord]:
        """The finished runs, the most recently started first."""
        return [r for r in self.list_runs(len(self.runs)) if r.status is RunState.FINISHED]


@define(slots=False)
class FakeCoverageStore:
    """The newest coverage map per application (``CoverageStore``)."""

    _coverage: dict[str, CoverageMap] = field(factory=dict)

    def save_coverage(self, coverage: CoverageMap) -> None:
        """Make ``coverage`` the app's map (a copy), replacing the one before."""
        lines = {f: dict(tests) for f, tests in coverage.lines.items() if tests}
        self._coverage[coverage.app] = evolve(coverage, lines=lines)

    def coverage(self, app: str, files: Sequence[str] | None = None) -> CoverageMap | None:
        """The app's map with only ``files`` (all when None), or None when it has none."""
        recorded = self._coverage.get(app)
        if recorded is None:
            return None
        wanted = recorded.lines.keys() if files is None else set(files)
        lines = {f: dict(tests) for f, tests in recorded.lines.items() if f in wanted}
        return evolve(recorded, lines=lines)


@define(slots=False)
class FakeFailureStore:
    """Triaged failures by fingerprint, and their issues (``FailureStore``)."""

    _failures: dict[tuple[str, str, str], Failure] = field(factory=dict)
    _fingerprints: dict[str, FailureHistory] = field(factory=dict)

    def record_failures(self, run_id: str, commit: str, failures: Sequence[Failure]) -> None:
        """Remember triaged failures; once per failure and per run, idempotent per run."""
        for failure in failures:
            key = (run_id, failure.result.app, failure.result.nodeid)
            if key in self._failures:
                continue
            self._failures[key] = failure
            known = self._fingerprints.get(failure.fingerprint)
            if known is None:
                fp = failure.fingerprint
                self._fingerprints[fp] = FailureHistory(fp, run_id, commit, run_id, commit, 1, 1)
                continue
            self._fingerprints[failure.fingerprint] = evolve(
                known,
                occurrences=known.occurrences + 1,
                runs=known.runs + (known.last_run != run_id),
                last_run=run_id,
                last_commit=commit,
            )

    def failure_history(self, fingerprints: Sequence[str]) -> dict[str, FailureHistory]:
        """What is known of each fingerprint."""
        return {f: self._fingerprints[f] for f in fingerprints if f in self._fingerprints}

    def link_issue(self, fingerprint: str, issue: str, run_id: str = "") -> None:
        """Remember the issue filed for a fingerprint, and the run that filed it."""
        if fingerprint in self._fingerprints:
            known = self._fingerprints[fingerprint]
            self._fingerprints[fingerprint] = evolve(known, issue=issue, filed_run=run_id)


@define(slots=False)
class FakeStore(FakeRunStore, FakeCoverageStore, FakeFailureStore):
    """In-memory ``Store``: every fake store port in one (passes ``StoreContract``)."""

    PLUGIN_NAME: ClassVar[str] = "fake"

    def close(self) -> None:
        """Nothing to release."""
