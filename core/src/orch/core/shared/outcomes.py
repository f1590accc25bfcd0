"""Counting results and turning them into the exit code every CI system reads (DESIGN.md §3.5).

The values (``Counts``, ``ExitCode``) are ports values (``orch.ports.run``), re-exported here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from operator import attrgetter

from orch.ports import Outcome, TestResult
from orch.ports.run import Counts, ExitCode

__all__ = ["RETRYABLE", "Counts", "ExitCode", "count", "exit_code"]


RETRYABLE = frozenset({Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT})
"""Outcomes a retry may turn into a pass; ``blocked`` tests did not run, so retrying cannot help."""


def count(results: Iterable[TestResult], planned: int = 0, running: int = 0) -> Counts:
    """Counts of final results; ``queued`` is what is planned and neither done nor running."""
    by_outcome = Counter(map(_OUTCOME, results))  # an enum's .value per result costs more
    done = sum(by_outcome.values())
    tally = {outcome.value: number for outcome, number in by_outcome.items()}
    return Counts(queued=max(planned - done - running, 0), running=running, **tally)


_OUTCOME = attrgetter("outcome")


def exit_code(counts: Counts, environment_problems: int = 0, gate_failed: bool = False) -> ExitCode:
    """Environment trouble first (the run could not happen), then a failed quality gate, then
    failures, then nothing run."""
    if environment_problems:
        return ExitCode.ENVIRONMENT_ERROR
    if gate_failed:
        return ExitCode.GATE_FAILED
    if counts.problems:
        return ExitCode.TESTS_FAILED
    if counts.done == 0:
        return ExitCode.NOTHING_SELECTED
    return ExitCode.OK
