"""Starting a shard's process: its application as its tests see it (with its environment's
addresses), its scratch folder, its isolation and CPUs (``isolation.Placement``), its runner's
command, the executor's start.

With a core that no worker uses, the next shard's process can be started ahead of its turn,
*held*: an executor that ``Holds`` starts it with its input open, and a runner whose process
``waits_for_input`` then imports its interpreter and framework (for pytest, most of a small
application's run) and waits before any of the application's code; ``start`` lets it go on. On a
run of many small applications that takes the start-up of every shard but the first off the
run's critical path. A shard with CPUs of its own or in a container is never held: its CPUs
are taken when it starts, and a container is not given the held input.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from attrs import evolve

from orch.core.run.isolation import Placement
from orch.core.run.plan import Step
from orch.core.workflow.model import Workflow
from orch.ports import (
    Application,
    Command,
    EnvironmentProblem,
    Executor,
    HeldProcess,
    Holds,
    Isolation,
    MissingProgram,
    NodeKind,
    Process,
    TestRunner,
)
from orch.ports.data import DataCopies


class Launcher:
    """Starts the shard processes of run ``run_id`` in ``scratch_root/<shard>-a<attempt>/``."""

    def __init__(
        self,
        workflow: Workflow,
        runners: Mapping[str, TestRunner],
        executor: Executor,
        scratch_root: Path,
        run_id: str,
        variables: Callable[[Application], Mapping[str, str]],
        data: DataCopies | None = None,
    ) -> None:
        self.workflow = workflow
        self.runners = runners
        self.executor = executor
        self.scratch_root = scratch_root
        self.run_id = run_id
        self.variables = variables
        self.data = data
        self.placement = Placement(workflow.execution, workflow.root)
        self.held: dict[tuple[str, int], tuple[HeldProcess, Isolation]] = {}
        self.spare_core = (os.cpu_count() or 1) > workflow.execution.workers
        """Whether a core is left when every worker runs a shard: only then is one held (its
        start-up is then off the run's critical path, not competing with a running shard)."""

    def prepared(self, step: Step) -> tuple[Application, Path]:
        """``step``'s application as its tests see it (its environment's addresses and its
        copy of its test data in its ``env``) and its scratch folder, made. The copy is the
        shard's until ``given_back``."""
        app = self.workflow.app(step.shard.app)
        scratch = self.scratch_root / f"{step.shard.key}-a{step.shard.attempt}"
        data = self.data.take(app.name, scratch.name) if self.data and app.test_data else {}
        app = evolve(app, env={**app.env, **self.variables(app), **data})
        scratch.mkdir(parents=True, exist_ok=True)
        return app, scratch

    def given_back(self, app: Application, scratch: Path) -> None:
        """The shard in ``scratch`` has ended: its copy of the test data is reset for another."""
        if self.data is not None and app.test_data is not None:
            self.data.give_back(app.name, scratch.name)

    def hold(self, step: Step) -> None:
        """Start ``step``'s process ahead of its turn, held, when a core is spare, none is held
        yet, and its runner and the executor allow it. Not for an application with an
        environment (an environment replaced in the meantime would leave it the old addresses)
        or test data (a copy would be taken before a worker is free).
        Whatever goes wrong is left for ``start`` to meet and report."""
        if not self.spare_core or self.held or step.node.kind is NodeKind.STEP:
            return  # a flow step's inputs are known only once its turn comes
        app = self.workflow.app(step.shard.app)
        runner, executor = self.runners[app.runner], self.executor
        if not getattr(runner, "waits_for_input", False) or not isinstance(executor, Holds):
            return
        isolation = None if app.environment or app.test_data else self.placement.unpinned(app)
        if isolation is None or isolation.mode == "container":
            return
        app, scratch = self.prepared(step)
        try:
            command = self._command(app, runner, step, scratch, isolation)
            process = executor.start_held(command, scratch, self._tag(scratch))
        except (MissingProgram, EnvironmentProblem):
            return
        self.held[step.shard.key, step.shard.attempt] = process, isolation

    def start(
        self, step: Step, app: Application, scratch: Path
    ) -> tuple[Process, Isolation, tuple[int, ...]]:
        """``step``'s process, running (its held one let go on, or a new one), its isolation
        and the CPUs it has to itself (to give back to ``placement`` when it ends)."""
        held = self.held.pop((step.shard.key, step.shard.attempt), None)
        if held is not None:
            process, isolation = held
            process.release()
            return process, isolation, ()
        isolation, reserved = self.placement.place(app)
        try:
            command = self._command(app, self.runners[app.runner], step, scratch, isolation)
            return self.executor.start(command, scratch, self._tag(scratch)), isolation, reserved
        except BaseException:
            self.placement.give_back(reserved)
            raise

    def kill_held(self) -> None:
        """Kill every process still held (the run is over or stopped)."""
        for process, _ in self.held.values():
            process.kill()
        self.held.clear()

    def _command(
        self, app: Application, runner: TestRunner, step: Step, scratch: Path, isolation: Isolation
    ) -> Command:
        command = runner.command(app, step.shard, scratch)
        passenv = (*command.passenv, *app.passenv)
        return evolve(command, passenv=passenv, output=step.shard.output, isolation=isolation)

    def _tag(self, scratch: Path) -> str:
        return f"{self.run_id}/{scratch.name}/"
