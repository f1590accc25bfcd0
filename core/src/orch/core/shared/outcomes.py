"""Counting results and turning them into the exit code every CI system reads (DESIGN.md §3.5)."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable

from attrs import frozen

from orch.ports import Outcome, TestResult


class ExitCode(enum.IntEnum):
    """What ``orch`` (and ``Engine.execute``) report to the caller."""

    OK = 0
    TESTS_FAILED = 1
    USAGE_ERROR = 2
    INTERNAL_ERROR = 3
    ENVIRONMENT_ERROR = 4
    NOTHING_SELECTED = 5
    INTERRUPTED = 130
    """Stopped by Ctrl-C (SIGINT), as shells report it: 128 + the signal's number."""


RETRYABLE = frozenset({Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT})
"""Outcomes a retry may turn into a pass; ``blocked`` tests did not run, so retrying cannot help."""


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


def count(results: Iterable[TestResult], planned: int = 0, running: int = 0) -> Counts:
    """Counts of final results; ``queued`` is what is planned and neither done nor running."""
    tally = Counter(result.outcome.value for result in results)
    done = sum(tally.values())
    return Counts(queued=max(planned - done - running, 0), running=running, **tally)


def exit_code(counts: Counts, environment_problems: int = 0) -> ExitCode:
    """Environment trouble first (the run could not happen), then failures, then nothing run."""
    if environment_problems:
        return ExitCode.ENVIRONMENT_ERROR
    if counts.problems:
        return ExitCode.TESTS_FAILED
    if counts.done == 0:
        return ExitCode.NOTHING_SELECTED
    return ExitCode.OK
