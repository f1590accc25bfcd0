"""What becomes of the tests of a shard whose process ended: the running one gets the reason its
process died or was killed, the rest are timed out (shard timeout), run again (some progress was
made, so the remainder is smaller), or errors; the failed ones with retries left run again. A
shard killed because its environment died runs all its unfinished tests again, on the same
attempt (the scheduler holds them until the environment is replaced)."""

from __future__ import annotations

import signal
from collections.abc import Callable

from attrs import evolve

from orch.core.run.plan import Step
from orch.core.run.results import Results
from orch.core.run.retry import next_attempt
from orch.core.run.supervisor import ENVIRONMENT_DIED, Ended, RunningShard, per_test_timeout
from orch.core.workflow.model import Workflow
from orch.ports import Outcome, Shard, ShardExit, TestResult


def settle(
    ended: Ended,
    workflow: Workflow,
    results: Results,
    clock: Callable[[], float],
    push: Callable[[Step], None],
    ticket: Callable[[], int],
) -> None:
    """Give every test of an ended shard an outcome, or ``push`` it back to the queue as a step
    of the same node (``ticket`` numbers a retry shard's key)."""
    running, exit = ended.shard, ended.exit
    why = describe_exit(exit)
    current = running.current
    if current is not None and current in running.pending and exit.killed_for != ENVIRONMENT_DIED:
        results.reported(running, _died(running, ended, workflow, why, clock))
    rest = list(running.pending.values())
    if exit.killed_for == ENVIRONMENT_DIED:
        if rest or not running.resolved:  # a share that listed nothing yet runs again whole
            again = evolve(running.shard, key=running.shard.key + "~")
            listed = evolve(again, tests=tuple(rest), partition=(0, 1)) if rest else again
            push(_continued(running, listed))
    elif rest and exit.killed_for == "shard-timeout":
        for test in rest:
            results.reported(
                running,
                TestResult(
                    test.app,
                    test.nodeid,
                    Outcome.TIMEOUT,
                    message=shard_timeout(workflow, running.shard),
                    file=test.file,
                ),
            )
    elif rest and running.resolved:
        # progress was made, so the remainder is strictly smaller: run it again
        remainder = evolve(running.shard, tests=tuple(rest), key=running.shard.key + "+")
        push(_continued(running, evolve(remainder, partition=(0, 1))))  # listed: no share
    elif rest:
        for test in rest:
            results.reported(
                running,
                TestResult(
                    test.app,
                    test.nodeid,
                    Outcome.ERROR,
                    message=f"shard ended before this test ran ({why})",
                    attempt=running.shard.attempt,
                    longrepr=exit.output_tail,
                ),
            )
    if running.retry:
        push(_continued(running, next_attempt(running.shard, running.retry, ticket())))


def _died(
    running: RunningShard, ended: Ended, workflow: Workflow, why: str, clock: Callable[[], float]
) -> TestResult:
    """The result of the test that was running when its process ended."""
    assert running.current is not None
    test = running.pending[running.current]
    detail, exit = ended.detail, ended.exit
    where = f" at {detail.message}" if detail is not None and detail.message else ""
    if exit.killed_for == "timeout":
        limit = per_test_timeout(workflow, running.app)
        outcome, message = (
            Outcome.TIMEOUT,
            f"exceeded the per-test timeout of {limit:g}s{where}; orch killed its process tree",
        )
    elif exit.killed_for == "shard-timeout":
        outcome, message = Outcome.TIMEOUT, shard_timeout(workflow, running.shard) + where
    else:
        if where:
            why = describe_exit(exit, last_line=False)
        outcome, message = (
            Outcome.ERROR,
            f"test process died while running this test ({why}){where}",
        )
    return TestResult(
        test.app,
        test.nodeid,
        outcome,
        duration=clock() - running.current_since,
        message=message,
        longrepr=detail.longrepr if detail is not None else exit.output_tail,
        file=test.file,
    )


def _continued(running: RunningShard, shard: Shard) -> Step:
    return Step(running.step.node, shard)


def describe_exit(exit: ShardExit, last_line: bool = True) -> str:
    """``exit code 3`` or ``killed by SIGSEGV``, plus (``last_line``) the last line it printed."""
    if exit.returncode < 0:
        try:
            name = signal.Signals(-exit.returncode).name
        except ValueError:
            name = f"signal {-exit.returncode}"
        text = f"killed by {name}"
    else:
        text = f"exit code {exit.returncode}"
    if not last_line:
        return text
    last = next((line for line in reversed(exit.output_tail.splitlines()) if line.strip()), "")
    return f"{text}: {last.strip()[:200]}" if last else text


def shard_timeout(workflow: Workflow, shard: Shard) -> str:
    """Why a shard killed for its time was: a flow step's own ``timeout``, or the run's."""
    if shard.timeout:
        return f"step exceeded its timeout of {shard.timeout:g}s; orch killed its process tree"
    return (
        f"shard exceeded its timeout of {workflow.execution.shard_timeout:g}s; "
        "orch killed its process tree"
    )
