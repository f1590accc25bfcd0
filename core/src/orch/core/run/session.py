"""The run use case: plan a workflow as a graph of shards, run it on N workers, persist, summarise.

``RunSession`` only orchestrates; each job has its module in ``orch.core.run``: ``resume`` (taking
over an interrupted run), ``planning`` and ``plan`` (the graph of nodes), ``scheduler`` (what runs
next), ``dispatch`` (the loop), ``supervisor`` (processes and timeouts), ``settle`` (what an ended
shard's tests become), ``retry`` (retries and flaky), ``results`` (where results land) and
``recorder`` (the store and progress). Ports are passed in (see ``orch.core.bootstrap``), so it
runs the same with fakes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from attrs import define, evolve, field

from orch.core.run.dispatch import Dispatch
from orch.core.run.environment_data import WithData
from orch.core.run.environment_nodes import EnvironmentNodes, environment_nodes
from orch.core.run.expectation_results import ExpectationResults
from orch.core.run.flow_steps import flow_steps_for
from orch.core.run.gates import Gates, gates_for
from orch.core.run.launcher import Launcher
from orch.core.run.phase_variants import with_variants
from orch.core.run.planning import Planner
from orch.core.run.recorder import Recorder, RecordingStore
from orch.core.run.results import Results
from orch.core.run.resume import last_attempts, load_previous, reap_dead_runs
from orch.core.run.retry import RetryPolicy
from orch.core.run.settle import describe_exit
from orch.core.run.supervisor import Supervisor
from orch.core.shared.locks import RunLock
from orch.core.shared.outcomes import ExitCode, exit_code
from orch.core.shared.redaction import redactor_for, remove_raw_output
from orch.core.workflow.model import Workflow
from orch.ports import (
    Environments,
    Executor,
    HistoryStore,
    MissingProgram,
    RunRecord,
    RunSpec,
    RunState,
    TestRunner,
)
from orch.ports.conditions import SqlProbe
from orch.ports.data import RunTestData
from orch.ports.errors import DataProblem
from orch.ports.observer import RunObserver, Silent
from orch.ports.phases import PriorityTerms
from orch.ports.run import RunResult
from orch.ports.selection import Selection

__all__ = ["RunResult", "RunSession", "describe_exit", "new_run_id", "reap_dead_runs"]

POLL_SECONDS = 0.02


class SessionStore(RecordingStore, HistoryStore, Protocol):
    """What a run needs of the store: its runs, and the durations planning reads."""


def new_run_id() -> str:
    """Sortable and unique enough for one machine: time plus a few random hex digits."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + os.urandom(2).hex()


def new_record(workflow: Workflow, run_id: str, commit: str, spec: RunSpec | None) -> RunRecord:
    """The record of a new run of ``workflow``, started now by this process."""
    where = workflow.source or str(workflow.root)
    return RunRecord(run_id, where, commit, time.time(), pid=os.getpid(), spec=spec)


def with_data(environments: Environments | None, data: RunTestData | None) -> Environments | None:
    """``environments`` that load ``data`` as each comes up (as they are, without data)."""
    return environments if data is None or environments is None else WithData(environments, data)


@define(kw_only=True)
class RunSession:
    """One execution of a workflow against a store; ``resume`` continues a killed run.

    ``selection`` narrows each application to its selected tests, in risk order;
    ``coverage_stale`` (files that differ from the commit, per app) turns on recording of
    per-test coverage, saved when the run ends under each application's own commit
    (``app_commits``, default ``commit``). Results are redacted as they arrive; the shards' raw
    output in ``.orch/runs/RUN/`` is removed at the end unless ``keep_raw_output``.
    ``environments`` brings up, replaces and removes their environments; ``data(run_id)`` the
    run's test data (``orch.ports.data.RunTestData``); ``sql_probe`` runs the queries of the
    flows' ``sql`` waits.
    """

    workflow: Workflow = field(kw_only=False)
    runners: Mapping[str, TestRunner]
    executor: Executor
    store: SessionStore
    state_dir: Path
    observer: RunObserver = field(factory=Silent, converter=lambda o: o or Silent())
    clock: Callable[[], float] = time.monotonic
    commit: str = ""
    spec: RunSpec | None = None
    poll_seconds: float = POLL_SECONDS
    selection: Selection | None = None
    coverage_stale: dict[str, tuple[str, ...]] | None = None
    app_commits: dict[str, str] = field(factory=dict, converter=lambda c: c or {})
    keep_raw_output: bool = False
    environments: Environments | None = None
    data: Callable[[str], RunTestData] | None = None
    sql_probe: SqlProbe | None = None
    _nodes: EnvironmentNodes | None = field(default=None, init=False)
    _gates: Gates | None = field(default=None, init=False)
    _terms: list[PriorityTerms] = field(factory=list, init=False)

    def execute(self, resume: str | None = None) -> RunResult:
        """Run (or resume) the workflow; results are persisted as they arrive."""
        began = time.monotonic()
        workflow = with_variants(self.workflow)  # a matrix phase's applications are looked up
        reap_dead_runs(self.store, self.executor, self.state_dir)
        run_id = resume or new_run_id()
        lock = RunLock(self.state_dir, run_id)
        recorder = Recorder(self.store, run_id, self.observer, self.clock)
        retry = RetryPolicy(workflow.execution)
        redact = redactor_for(workflow.applications, workflow.environments)
        results = Results(workflow, redact, retry, recorder, self.observer)
        if resume:
            record, finals, problems = load_previous(
                self.store, self.state_dir, resume, lock, self.commit
            )
            results.problems.extend(problems)
            results.carry(finals)
        else:
            lock.acquire()
            record = new_record(self.workflow, run_id, self.commit, self.spec)
            self.store.create_run(record)
        run_dir = self.state_dir / "runs" / run_id
        data = self.data(run_id) if self.data else None
        environments = with_data(self.environments, data)
        variables = environments.variables if environments else lambda app: {}
        flow_steps_for(workflow, run_dir, results, self.clock, variables, self.sql_probe)
        launcher = Launcher(workflow, self.runners, self.executor, run_dir, run_id, variables, data)
        supervisor = Supervisor(launcher, self.clock, results, recorder)
        status = RunState.INTERRUPTED
        try:
            if data is not None:  # the datasets of applications without an environment
                data.load("", lambda app, options: options)
            self._run(workflow, resume, results, supervisor, recorder, environments, run_dir)
            status = RunState.FINISHED
        except KeyboardInterrupt:
            pass  # Ctrl-C: the run stays interrupted; what ran is kept, the rest runs on resume
        except (MissingProgram, DataProblem):
            status = RunState.INTERRUPTED if resume else RunState.FINISHED  # stays resumable
            results.environment_problems += 1
            raise
        finally:
            supervisor.stop_all()
            closing = self._nodes or environments or data  # a node waits for its downs
            if closing is not None:
                closing.close()
            self.executor.reap(f"{run_id}/")  # anything a shard left that its own kill missed
            if not self.keep_raw_output:
                remove_raw_output(run_dir)
            if status is RunState.FINISHED:
                results.ended()
            recorder.flush([], results.counts, force=True)
            counts = results.counts()
            gate_failed = self._gates is not None and self._gates.failed
            code = exit_code(counts, results.environment_problems, gate_failed)
            if status is RunState.INTERRUPTED:
                code = ExitCode.INTERRUPTED
            ended_at = time.time()
            exit_value = int(code) if status is RunState.FINISHED else None
            recorder.write(
                self.store.update_run,
                run_id,
                ended_at=ended_at,
                exit_code=exit_value,
                status=status,
            )
            lock.release()
        run_result = RunResult(
            run_id,
            tuple(results.finals.values()),
            counts,
            code,
            time.monotonic() - began,
            tuple(results.problems),
            interrupted=status is RunState.INTERRUPTED,
            record=evolve(record, ended_at=ended_at, exit_code=exit_value, status=status),
            shards=tuple(results.shards),
            flows=results.steps.finish() if results.steps else (),
            phases=self._gates.records() if self._gates else (),
            priorities=tuple(self._terms),
        )
        return run_result.not_stored(recorder.unstored) if recorder.unstored else run_result

    def _run(
        self,
        workflow: Workflow,
        resume: str | None,
        results: Results,
        supervisor: Supervisor,
        recorder: Recorder,
        environments: Environments | None,
        run_dir: Path,
    ) -> None:
        """Plan, run the plan, and save the coverage it recorded."""
        last_attempt = last_attempts(self.store, resume, results.retry) if resume else None
        expectations = ExpectationResults(workflow, results, run_dir)  # before planning
        coverage = self.coverage_stale is not None
        planner = Planner(
            self.workflow, self.runners, self.store, results, self.selection, coverage
        )
        plan = planner.make(last_attempt)
        self._terms = planner.nodes.terms if planner.nodes else []
        self._nodes = nodes = environment_nodes(
            plan, environments, self.observer, recorder.run_id, self.state_dir, expectations
        )
        self._gates = gates = gates_for(workflow, planner.phases, results, self.store)
        parts = (supervisor, results, recorder, self.observer, self.clock, nodes, gates)
        Dispatch(workflow, plan, *parts).run(self.poll_seconds)
        if self.coverage_stale is not None:
            recorder.save_coverage(self.coverage_stale, self.app_commits, self.commit)
