"""Continuing a run that did not finish, and cleaning up after runs whose orchestrator died.

``orch run --resume RUN`` takes over an interrupted run: its final results stand, its tests'
attempts so far count toward their retries, and the rest is planned again. A finished run
resumes too when a step of its flows did not pass: that step and what it blocked run again
(``orch.core.run.flow_planning``), and when a phase's gate failed: a run with phases runs again
every test that did not pass, so each gate judges its phase anew
(``orch.core.run.phase_planning``).
"""

from __future__ import annotations

import os
from pathlib import Path

from attrs import evolve

from orch.core.run.retry import RetryPolicy
from orch.core.shared.locks import RunLock
from orch.ports import (
    ConfigError,
    Executor,
    ExitCode,
    Outcome,
    RunRecord,
    RunState,
    RunStore,
    TestResult,
)
from orch.ports.flows import step_of


def load_previous(
    store: RunStore, state_dir: Path, run_id: str, lock: RunLock, commit: str
) -> tuple[RunRecord, list[TestResult], list[str]]:
    """Take over run ``run_id``: its record (now running in this process), its final results and
    the problems to report (it started at another commit); ConfigError when it cannot resume."""
    record = store.get_run(run_id)
    if record is None:
        raise ConfigError(f"no run '{run_id}' in {state_dir} (see `orch runs`)")
    finals = store.final_results(run_id)
    gate_failed = record.exit_code == ExitCode.GATE_FAILED
    rerun = gate_failed or any(_step_to_rerun(r) for r in finals)
    if record.status is RunState.FINISHED and not rerun:
        raise ConfigError(
            f"run {run_id} finished (exit code {record.exit_code}); only an interrupted run, "
            "one with a flow step that did not pass or one a quality gate failed can be "
            "resumed: start a new one with `orch run`"
        )
    if not lock.acquire(wait=False):
        raise ConfigError(f"run {run_id} is still running (pid {record.pid}); stop it first")
    problems = []
    if record.commit and commit and record.commit != commit:
        problems.append(
            f"run {run_id} started at commit {record.commit[:12]} and was resumed at "
            f"{commit[:12]}: its results mix both"
        )
    store.update_run(run_id, status=RunState.RUNNING, pid=os.getpid(), ended_at=None)
    return evolve(record, pid=os.getpid()), list(finals), problems


def last_attempts(store: RunStore, run_id: str, retry: RetryPolicy) -> dict[tuple[str, str], int]:
    """Each test's last attempt in run ``run_id``; its first failures go to ``retry``."""
    last: dict[tuple[str, str], int] = {}
    for attempt in store.attempts(run_id):
        key = (attempt.app, attempt.nodeid)
        last[key] = max(last.get(key, 0), attempt.attempt)
        retry.failed(attempt)
    return last


def _step_to_rerun(result: TestResult) -> bool:
    return step_of(result) is not None and result.outcome not in (Outcome.PASSED, Outcome.FLAKY)


def reap_dead_runs(store: RunStore, executor: Executor, state_dir: Path) -> list[str]:
    """Find runs whose orchestrator died, kill what they left running, and mark them interrupted."""
    reaped = []
    for record in store.list_runs(limit=50):
        if record.status is not RunState.RUNNING:
            continue
        lock = RunLock(state_dir, record.id)
        if not lock.acquire(wait=False):
            continue  # its orchestrator is alive
        try:
            executor.reap(f"{record.id}/")
            store.update_run(record.id, status=RunState.INTERRUPTED)
            reaped.append(record.id)
        finally:
            lock.release()
    return reaped
