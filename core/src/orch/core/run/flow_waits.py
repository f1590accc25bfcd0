"""Flow steps that wait, before they start, for the systems they cross to reach a state
(``wait_for:``): an HTTP answer, a row, a file, a log line.

Each wait runs on a thread of its own (``orch.core.run.conditions.Waiting``), so the run's one
loop never blocks on it; the step keeps its worker meanwhile, as a running step would. The
conditions read the step's variables (``${API_URL}``: its application's ``env`` and its
environment's addresses), filled in when its turn comes, once its environment is up.
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
        self._waiting: list[tuple[Step, Waiting | str]] = []
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
        """Start ``step``'s wait; False when it has none (it starts now). Conditions that
        cannot be checked at all (a variable not set) end it at once."""
        if step.node.id not in self._conditions:
            return False
        conditions, where = self._conditions[step.node.id]
        app = self.workflow.app(step.shard.app)
        try:
            variables = {**app.env, **self.variables(app)}
            filled = resolved(conditions, variables, self.workflow.root, where)
            self._waiting.append((step, Waiting(filled, self.sql_probe).start()))
        except (ConfigError, ValueError) as problem:
            self._waiting.append((step, str(problem)))
        return True

    def ended(self) -> list[tuple[Step, str | None]]:
        """The steps whose wait ended since the last call, each with why it failed (None: it
        held)."""
        done: list[tuple[Step, str | None]] = []
        waiting: list[tuple[Step, Waiting | str]] = []
        for step, wait in self._waiting:
            if isinstance(wait, str):
                done.append((step, wait))
            elif wait.done():
                done.append((step, wait.problem))
            else:
                waiting.append((step, wait))
        self._waiting = waiting
        return done

    def cancel(self) -> None:
        """Stop every wait (the run is over or stopped)."""
        for _, wait in self._waiting:
            if isinstance(wait, Waiting):
                wait.cancel()
        self._waiting = []
