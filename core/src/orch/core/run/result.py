"""A finished run as the reports and the CLI see it: its results, counts and exit code, and the
problems met on the way."""

from __future__ import annotations

from attrs import evolve, frozen

from orch.core.shared.outcomes import Counts, ExitCode
from orch.core.triage.analysis import TriageReport
from orch.ports import Failure, RunRecord, TestResult


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
