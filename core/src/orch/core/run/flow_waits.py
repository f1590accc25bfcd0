"""Flow steps held back before they start: until their application answers its health check
(``health:``, asked once per run), then until the systems they cross reach the state they wait
for (``wait_for:``): an HTTP answer, a row, a file, a log line.

Each wait runs on a thread of its own (``orch.core.run.conditions.Waiting``), so the run's one
loop never blocks on it; the step keeps its worker meanwhile, as a running step would. The
conditions read the step's variables (``${API_URL}``: its application's ``env`` and its
environment's addresses), filled in when its turn comes, once its environment is up. An
application found unavailable stays so for the run: each of its steps is ``blocked`` saying
why, and what waits for them with them; independent flows go on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from orch.core.run.conditions import Waiting
from orch.core.run.flow_planning import step_node_id
from orch.core.run.plan import Step
from orch.core.shared.condition_spec import resolved
from orch.core.workflow.model import Workflow
from orch.ports import Application, ConfigError
from orch.ports.conditions import SqlProbe, WaitFor

Wait = Waiting | str
"""A wait under way, or why it could not even start (a variable not set)."""


class StepWaits:
    """The waits of a run's flow steps, started by ``begin`` and collected by ``ended``."""

    def __init__(
        self,
        workflow: Workflow,
        variables: Callable[[Application], Mapping[str, str]],
        sql_probe: SqlProbe | None,
    ) -> None:
        self.workflow = workflow
        self.variables = variables
        self.sql_probe = sql_probe
        self._waiting: list[tuple[Step, Wait, bool]] = []
        """Each held step, what it waits for now, and whether that is its application's health."""
        self._health: dict[str, Wait] = {}
        self._conditions: dict[str, tuple[WaitFor, str]] = {
            step_node_id(flow.name, step.id): (
                step.wait_for,
                f"cross_app_tests.{flow.name}.{step.id}.wait_for",
            )
            for flow in workflow.cross_app_tests
            for step in flow.steps
            if step.wait_for
        }

    @property
    def busy(self) -> bool:
        return bool(self._waiting)

    def begin(self, step: Step) -> bool:
        """Hold ``step`` back while its application's health or its own wait is asked; False
        when it has neither (it starts now)."""
        app = self.workflow.app(step.shard.app)
        if app.health:
            if app.name not in self._health:
                where = f"applications.{app.name}.health"
                self._health[app.name] = self._start(app, app.health, where)
            self._waiting.append((step, self._health[app.name], True))
            return True
        return self._own(step)

    def ended(self) -> list[tuple[Step, str | None]]:
        """The steps held back no more since the last call, each with why it may not run
        (None: it may)."""
        done: list[tuple[Step, str | None]] = []
        waiting, self._waiting = self._waiting, []
        for step, wait, health in waiting:
            problem = wait if isinstance(wait, str) else wait.problem
            if not isinstance(wait, str) and not wait.done():
                self._waiting.append((step, wait, health))
            elif problem is not None and health:
                done.append((step, f"application {step.shard.app} is unavailable: {problem}"))
            elif problem is not None:
                done.append((step, f"wait_for: {problem}"))
            elif not health or not self._own(step):
                done.append((step, None))
        return done

    def cancel(self) -> None:
        """Stop every wait (the run is over or stopped)."""
        for wait in [*(w for _, w, _ in self._waiting), *self._health.values()]:
            if isinstance(wait, Waiting):
                wait.cancel()
        self._waiting = []

    def _own(self, step: Step) -> bool:
        """Hold ``step`` back for its own ``wait_for``; False when it has none."""
        if step.node.id not in self._conditions:
            return False
        conditions, where = self._conditions[step.node.id]
        app = self.workflow.app(step.shard.app)
        self._waiting.append((step, self._start(app, conditions, where), False))
        return True

    def _start(self, app: Application, conditions: WaitFor, where: str) -> Wait:
        try:
            variables = {**app.env, **self.variables(app)}
            filled = resolved(conditions, variables, self.workflow.root, where)
            return Waiting(filled, self.sql_probe).start()
        except (ConfigError, ValueError) as problem:
            return str(problem)
