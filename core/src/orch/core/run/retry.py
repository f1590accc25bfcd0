"""The retry and flaky policy: whether a failed attempt gets another, and what a test that passes
after failing becomes (``flaky``, keeping the first failure's message and traceback)."""

from __future__ import annotations

from attrs import evolve

from orch.core.shared.outcomes import RETRYABLE
from orch.ports import Application, Execution, Outcome, Shard, TestCase, TestResult


class RetryPolicy:
    """The workflow's ``retries`` and ``retry_timeouts``, per application, and each test's first
    failed attempt in this run (a resumed run reads them back from the store)."""

    def __init__(self, execution: Execution) -> None:
        self.execution = execution
        self.first_failure: dict[tuple[str, str], TestResult] = {}

    def failed(self, result: TestResult) -> None:
        """Remember ``result`` if it is the test's first failed attempt."""
        if result.outcome in RETRYABLE:
            self.first_failure.setdefault((result.app, result.nodeid), result)

    def retries(self, app: Application, result: TestResult) -> bool:
        """Whether this failed attempt gets another: retries left, and not a timeout if the
        workflow says ``retry_timeouts: false`` (a hang usually hangs again, at full cost)."""
        execution = self.execution
        retry_timeouts = (
            app.retry_timeouts if app.retry_timeouts is not None else execution.retry_timeouts
        )
        if result.outcome is Outcome.TIMEOUT and not retry_timeouts:
            return False
        retries = app.retries if app.retries is not None else execution.retries
        return result.attempt <= retries

    def final(self, result: TestResult) -> TestResult:
        """A passing ``result`` of a test that failed before is ``flaky``; others are unchanged."""
        first = self.first_failure.get((result.app, result.nodeid))
        if result.outcome is not Outcome.PASSED or first is None:
            return result
        return evolve(
            result,
            outcome=Outcome.FLAKY,
            message=f"passed on attempt {result.attempt}; "
            f"attempt 1 {first.outcome.value}: {first.message}",
            longrepr=first.longrepr,
        )


def next_attempt(shard: Shard, tests: list[TestCase], ticket: int) -> Shard:
    """The shard that retries ``tests`` of ``shard``: the next attempt, listed, without
    recording coverage; ``ticket`` makes its key unique in the run."""
    return evolve(
        shard,
        tests=tuple(tests),
        key=f"{shard.app}-r{shard.attempt + 1}-{ticket}",
        attempt=shard.attempt + 1,
        coverage=False,
        partition=(0, 1),
    )
