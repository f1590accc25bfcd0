"""The run's loop: start ready steps while workers are free, look at the running ones, settle
those that ended, and tell the observer when nodes and applications start and finish.

One thread does it all. A free worker gets its next step before the batch is written to the
store: with many small applications that write is on every application's critical path otherwise.
A service that dies during the run is ``orch.core.run.replacement``'s to handle; the loop makes
errors of the steps it says will never run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from orch.core.run.app_progress import AppProgress
from orch.core.run.environment_nodes import EnvironmentNodes
from orch.core.run.gates import Gates
from orch.core.run.node_ends import NodeEnds
from orch.core.run.plan import Plan
from orch.core.run.recorder import Recorder
from orch.core.run.replacement import Lost, Replacements
from orch.core.run.results import Results
from orch.core.run.scheduler import Scheduler
from orch.core.run.settle import settle
from orch.core.run.supervisor import Supervisor
from orch.core.workflow.model import Workflow
from orch.ports import NodeFinish, NodeKind, Outcome
from orch.ports.observer import RunObserver


class Dispatch:
    """Runs a plan to its end with a scheduler and a supervisor.

    The observer hears ``app_start`` before an application's first node starts (or is blocked),
    ``node_start``/``node_finish`` around each node (a blocked node, which never starts, has only
    its ``node_finish``), ``app_finish`` after the application's last node finished.
    """

    def __init__(
        self,
        workflow: Workflow,
        plan: Plan,
        supervisor: Supervisor,
        results: Results,
        recorder: Recorder,
        observer: RunObserver,
        clock: Callable[[], float],
        environments: EnvironmentNodes | None = None,
        gates: Gates | None = None,
    ) -> None:
        self.workflow = workflow
        self.plan = plan
        self.scheduler = Scheduler(plan, workflow.execution.workers)
        self.supervisor = supervisor
        self.results = results
        self.recorder = recorder
        self.observer = observer
        self.clock = clock
        self.environments = environments
        self.steps = results.steps
        self.replacements = (
            None
            if environments is None
            else Replacements(environments, self.scheduler, supervisor, results)
        )
        self.apps = AppProgress(workflow, plan, observer, results.app_counts)
        self.ends = NodeEnds(
            plan, self.scheduler, results, observer, self.apps, environments, gates
        )

    def run(self, poll_seconds: float) -> None:
        """Until no step is queued, running or waiting and no environment is being brought up
        (a blocked node is neither)."""
        if self.environments is not None:
            self.environments.start()
        self._launch()
        self._hold_next()
        while self.scheduler.queued() or self.supervisor.active or self._setting_up():
            if self.supervisor.active:
                self.supervisor.wait(poll_seconds)
            else:
                time.sleep(poll_seconds)
            self._environments_ended()
            self._waits_ended()
            if self.replacements is not None:
                for lost in self.replacements.look():
                    self._lost(lost)
            for running in list(self.supervisor.active):
                ended = self.supervisor.pump(running)
                if ended is None:
                    continue
                if self.replacements is not None:
                    self.replacements.settling(ended)
                scheduler = self.scheduler
                settle(
                    ended, self.workflow, self.results, self.clock, scheduler.push, scheduler.ticket
                )
                if self.steps is not None and ended.shard.step.node.kind is NodeKind.STEP:
                    self.steps.ended(ended, scheduler.push)
                self.recorder.changed = True
                self.ends.done(ended.shard.step)
            self._launch()
            self._hold_next()
            self.flush()

    def _hold_next(self) -> None:
        """The next step's process may start early, held (``Launcher.hold``)."""
        if (step := self.scheduler.next()) is not None:
            self.supervisor.hold(step)

    def _setting_up(self) -> bool:
        """An environment is being brought up, or a flow step waits before it starts."""
        waiting = self.steps is not None and self.steps.waits.busy
        return waiting or (self.environments is not None and self.environments.busy)

    def _environments_ended(self) -> None:
        """An environment that is up lets its shards start; one that could not start makes
        their tests errors saying why (and the run an environment failure)."""
        if self.environments is None:
            return
        for node, finish, logs in self.environments.ended():
            blocked = self.scheduler.finished(node.id, finish.outcome)
            if blocked:
                self.results.environment_problems += 1
                self.results.problem(finish.reason)
            failed = partial(self.results.environment_failed, logs=logs)
            self.ends.block([(waiting, finish.reason) for waiting, _ in blocked], failed)

    def _lost(self, lost: Lost) -> None:
        """``lost.step`` will never run: its tests are errors saying why."""
        node, tests = lost.step.node, lost.step.shard.tests
        self.results.environment_failed(node, tests, lost.message, lost.logs)
        if node.id in self.ends.began:
            self.ends.done(lost.step, taken=False)
            return
        self.apps.started(node)  # held before it ever started: it finishes as it is
        self.scheduler.done(lost.step, taken=False)
        self.observer.node_finish(node, NodeFinish(Outcome.ERROR, lost.message))
        self.ends.app_node_done(node)

    def flush(self, force: bool = False) -> None:
        self.recorder.flush(self.supervisor.running_tests(), self.results.counts, force)

    def _launch(self) -> None:
        while (step := self.scheduler.take()) is not None:
            if step.node.id not in self.ends.began:
                self.apps.started(step.node)
                self.ends.began[step.node.id] = time.monotonic()
                self.observer.node_start(step.node)
            if step.node.kind is NodeKind.GATE:
                self.ends.judge(step)
                continue
            start = self.supervisor.start
            if not (self.steps.start(step, start) if self.steps else start(step)):
                self.ends.done(step)

    def _waits_ended(self) -> None:
        """Flow steps whose ``wait_for`` ended start, or end saying what did not hold."""
        for step in self.steps.waited(self.supervisor.start) if self.steps else ():
            self.ends.done(step)
