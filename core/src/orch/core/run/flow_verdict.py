"""What a flow step's process makes of the step: one result, from every result it reported
(one test, each test of a file, a framework's JUnit report) and how the process ended."""

from __future__ import annotations

from collections.abc import Sequence

from attrs import evolve

from orch.core.run.settle import describe_exit
from orch.ports import Outcome, ShardExit, TestResult
from orch.ports.flows import FlowStep

_WORST_FIRST = (Outcome.BLOCKED, Outcome.ERROR, Outcome.TIMEOUT, Outcome.FAILED)


def verdict(
    step_result: TestResult, step: FlowStep, collected: Sequence[TestResult], exit: ShardExit
) -> TestResult:
    """``step_result`` (the step's id, markers and file) with the outcome of what its process
    reported (``collected``): the worst of them, its message naming the test when there were
    several; unless how the process ended says worse: it was killed for its time, or it ended
    badly with every test passed, or reported nothing."""
    outcomes = [r.outcome for r in collected]
    worst = next((bad for bad in _WORST_FIRST if bad in outcomes), None)
    skipped = bool(outcomes) and all(o is Outcome.SKIPPED for o in outcomes)
    ended = describe_exit(exit)
    if worst in (None, Outcome.FAILED) and exit.killed_for in ("timeout", "shard-timeout"):
        limit = f"its timeout of {step.timeout:g}s" if step.timeout else "its time limit"
        said = f"step exceeded {limit}; orch killed its process tree ({ended})"
        return evolve(step_result, outcome=Outcome.TIMEOUT, message=said, longrepr=exit.output_tail)
    if worst is None and (not collected or (exit.returncode and not skipped)):
        said = (
            f"its {len(collected)} test(s) passed but its process ended with {ended}"
            if collected
            else f"its process reported no result for {step.test} ({ended})"
        )
        return evolve(step_result, outcome=Outcome.ERROR, message=said, longrepr=exit.output_tail)
    if worst is None:
        first = collected[0]
        outcome = Outcome.SKIPPED if skipped else Outcome.PASSED
        message = first.message if skipped else ""
        return evolve(step_result, outcome=outcome, message=message, stdout=first.stdout)
    bad = next(r for r in collected if r.outcome is worst)
    return evolve(
        step_result,
        outcome=worst,
        message=f"{bad.nodeid}: {bad.message}" if len(collected) > 1 else bad.message,
        longrepr=bad.longrepr,
        stdout=bad.stdout,
        stderr=bad.stderr,
    )
