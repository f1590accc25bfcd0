"""With a core no worker uses, the next shard's process is started early and held: it runs
nothing until its turn, then goes on; a run that is stopped leaves no held process."""

from __future__ import annotations

import os

import pytest
from fake_run import fake_session
from test_run import make_workflow, outcomes

from orch.core.shared.outcomes import ExitCode
from orch.ports.observer import Silent
from orch.testing.fake_runner import FakeExecutor, FakeRunner, FakeTest

pytestmark = pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="a shard is held only where a core is spare"
)

APPS = {f"app{n}": [FakeTest(f"t{n}-{i}") for i in range(3)] for n in range(4)}


def _session(tmp_path, runner, workers=1, **options):
    workflow = make_workflow(tmp_path, tuple(runner.tests), workers=workers)
    return fake_session(workflow, runner, **options)


def _executor(session) -> FakeExecutor:
    assert isinstance(session.executor, FakeExecutor)
    return session.executor


def test_each_next_shard_starts_held_and_runs_only_at_its_turn(tmp_path):
    session = _session(tmp_path, FakeRunner(APPS, waits_for_input=True))
    result = session.execute()
    assert result.exit_code is ExitCode.OK
    assert len(outcomes(result)) == 12 and set(outcomes(result).values()) == {"passed"}
    executor = _executor(session)
    assert len(executor.started) == 4  # a held shard is not started a second time
    assert executor.held == executor.started[1:]  # each after the first, while one ran
    assert all(not process.held and process.returncode == 0 for process in executor.started)


@pytest.mark.parametrize("waits, workers", [(False, 1), (True, os.cpu_count() or 1)])
def test_nothing_is_held_without_a_runner_that_waits_or_a_spare_core(tmp_path, waits, workers):
    session = _session(tmp_path, FakeRunner(APPS, waits_for_input=waits), workers=workers)
    result = session.execute()
    assert result.exit_code is ExitCode.OK and len(outcomes(result)) == 12
    assert _executor(session).held == []


class _StopAtFirstResult(Silent):
    def result(self, result) -> None:
        raise KeyboardInterrupt


def test_a_stopped_run_kills_the_held_process(tmp_path):
    session = _session(
        tmp_path, FakeRunner(APPS, waits_for_input=True), observer=_StopAtFirstResult()
    )
    assert session.execute().exit_code is ExitCode.INTERRUPTED  # Ctrl-C, as a user stops it
    (held,) = _executor(session).held
    assert held.killed and held.held  # killed while it still waited: it never ran a test
