"""The values a run ends with, as the lifecycle hooks hand them to plugins: counts, the exit
code, the triage report with its root-cause clusters, and the finished run itself.

They live in the ports because reporters, gates and notifications (plugins that depend on
``orch.ports`` alone) receive them; ``orch.core`` re-exports them under their old names.
"""

from __future__ import annotations

import enum

from attrs import evolve, field, frozen

from orch.ports.flows import FlowRecord
from orch.ports.isolation import ShardUsage
from orch.ports.model import Failure, Outcome, TestResult
from orch.ports.phases import PhaseRecord, PriorityTerms
from orch.ports.store import RunRecord


class ExitCode(enum.IntEnum):
    """What ``orch`` (and ``Engine.execute``) report to the caller."""

    OK = 0
    TESTS_FAILED = 1
    USAGE_ERROR = 2
    INTERNAL_ERROR = 3
    ENVIRONMENT_ERROR = 4
    NOTHING_SELECTED = 5
    GATE_FAILED = 6
    """A phase's quality gate failed (``orch.ports.phases``): with ``on_fail: halt`` what did
    not start is ``blocked`` by it."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (SIGINT), as shells report it: 128 + the signal's number."""


@frozen
class Counts:
    """How many tests are in each state of a run, live or finished."""

    queued: int = 0
    running: int = 0
    passed: int = 0
    failed: int = 0
    error: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0
    timeout: int = 0
    blocked: int = 0
    flaky: int = 0

    @property
    def done(self) -> int:
        return sum(getattr(self, outcome.value) for outcome in Outcome)

    @property
    def problems(self) -> int:
        """Tests that make the run fail."""
        return self.failed + self.error + self.timeout + self.blocked

    def as_dict(self) -> dict[str, int]:
        return {
            name: getattr(self, name)
            for name in ("queued", "running", *(outcome.value for outcome in Outcome))
        }

    def line(self) -> str:
        """``3 passed, 1 failed`` style, non-zero states only, in a fixed order."""
        parts = [f"{count} {name}" for name, count in self.as_dict().items() if count]
        return ", ".join(parts) or "no tests"


@frozen
class Cluster:
    """Failures that share a root cause: the same ``cause`` (where the fault is, read from
    their traces), or without one, the same exception type and message template.

    ``failures`` are the members, evolved with their template, fingerprint and cluster id.
    """

    id: str
    template: str
    representative: str
    tests: tuple[str, ...]
    apps: tuple[str, ...]
    share: float
    exception_type: str = ""
    failures: tuple[Failure, ...] = field(default=(), eq=False, repr=False)
    cause: str = ""


@frozen
class TriageReport:
    """Every failure with its analysis, and the root causes they cluster into."""

    failures: tuple[Failure, ...]
    clusters: tuple[Cluster, ...]

    def as_json(self) -> dict:
        """The ``orch triage --format json`` object."""
        return {
            "failures": [
                {
                    "id": f.id,
                    "outcome": f.result.outcome.value,
                    "message": f.result.message,
                    "exception_type": f.exception_type,
                    "category": f.category,
                    "defect_type": f.defect_type,
                    "category_reason": f.category_reason,
                    "confidence": f.confidence,
                    "cluster": f.cluster,
                    "cause": f.cause,
                    "fingerprint": f.fingerprint,
                    "history": str(f.history),
                    "suggestion": f.suggestion,
                    "assigned_to": f.assigned_to,
                }
                for f in self.failures
            ],
            "clusters": [
                {
                    "id": c.id,
                    "template": c.template,
                    "cause": c.cause,
                    "representative": c.representative,
                    "exception_type": c.exception_type,
                    "tests": list(c.tests),
                    "apps": list(c.apps),
                    "share": round(c.share, 4),
                }
                for c in self.clusters
            ],
        }


@frozen
class RunResult:
    """A finished run: its final results, counts and exit code."""

    run_id: str
    results: tuple[TestResult, ...]
    counts: Counts
    exit_code: ExitCode
    seconds: float
    problems: tuple[str, ...] = ()
    triage: TriageReport | None = None
    interrupted: bool = False
    """Stopped by Ctrl-C: the results are partial and ``orch run --resume RUN`` continues it."""
    record: RunRecord | None = None
    """The run as the store holds it (or would, had it kept it): what the JSON report shows."""
    unstored: str = ""
    """Why the store lost this run's results (its StoreProblem), '' when it kept them all."""
    shards: tuple[ShardUsage, ...] = ()
    """Each shard process that ran: how it was isolated, its CPUs, CPU time and peak memory."""
    flows: tuple[FlowRecord, ...] = ()
    """Each cross-application flow of the run: its steps' timeline and the values handed on."""
    phases: tuple[PhaseRecord, ...] = ()
    """Each phase of the run (``phases:``): its counts, duration and gate's verdict."""
    priorities: tuple[PriorityTerms, ...] = ()
    """Each shard's priority and the terms it was made of, when ``execution.priority`` adds
    dynamic ones."""

    def not_stored(self, problem: str) -> RunResult:
        """This run, which the store failed to keep because of ``problem``: the reports still
        hold every result and say so."""
        lost = f"run {self.run_id}: its results were not stored (the reports hold them): {problem}"
        return evolve(self.lacking(lost), unstored=problem)

    def lacking(self, problem: str) -> RunResult:
        """This run, with an environment ``problem`` met after its tests ran (a store or a
        report that could not be written): said with the results, and it exits 4 (unless
        Ctrl-C stopped it)."""
        return evolve(
            self,
            problems=(*self.problems, problem),
            exit_code=self.exit_code if self.interrupted else ExitCode.ENVIRONMENT_ERROR,
        )

    @property
    def failed_tests(self) -> list[Failure]:
        """Tests whose final outcome fails the run (failed, error, timeout, blocked), with their
        triage (``.category``, ``.cluster``, ``.assigned_to``, ``.suggestion``) when it ran."""
        triaged = {f.id: f for f in self.triage.failures} if self.triage else {}
        return [triaged.get(r.id) or Failure(r) for r in self.results if r.outcome.is_failure]

    def slowest(self, n: int = 10) -> list[TestResult]:
        return sorted(self.results, key=lambda r: -r.duration)[:n]
