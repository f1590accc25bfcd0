"""The plan's environment nodes: each environment is brought up on a thread of its own as soon
as the run starts (the shards of its applications wait for it), and taken down once the last
node waiting for it has finished, while the rest of the run goes on.

Bringing an environment up waits on services, not on a CPU: it takes no worker. The threads are
daemons: an orchestrator stopped mid-provisioning does not wait for them, and the environment's
reaper removes what they had started.
"""

from __future__ import annotations

import threading
import time

from attrs import define, field

from orch.core.run.plan import Plan, environment_of
from orch.ports import ConfigError, Environments, NodeFinish, Outcome, PlanNode
from orch.ports.observer import RunObserver


@define
class _Setup:
    node: PlanNode
    began: float
    thread: threading.Thread | None = None
    problem: BaseException | None = None
    done: threading.Event = field(factory=threading.Event)


class EnvironmentNodes:
    """Runs the environment nodes of ``plan`` through ``environments``."""

    def __init__(
        self, plan: Plan, environments: Environments, observer: RunObserver, run_id: str
    ) -> None:
        self.plan = plan
        self.run_id = run_id
        self.environments = environments
        self.observer = observer
        self._setups: dict[str, _Setup] = {}
        self._waiting = {node_id: 0 for node_id in plan.environments}
        for node in plan.nodes:
            for dependency in node.depends_on:
                if dependency in self._waiting:
                    self._waiting[dependency] += 1
        self._downs: list[threading.Thread] = []

    def start(self) -> None:
        """Begin bringing every environment up."""
        for node in self.plan.environments.values():
            self.observer.node_start(node)
            setup = _Setup(node, time.monotonic())
            setup.thread = threading.Thread(target=self._up, args=(setup,), daemon=True)
            self._setups[node.id] = setup
            setup.thread.start()

    @property
    def busy(self) -> bool:
        """Whether an environment is still being brought up."""
        return bool(self._setups)

    def ended(self) -> list[tuple[PlanNode, NodeFinish, str]]:
        """The environment nodes that finished since the last look, with how and the failing
        service's last lines of output."""
        finished = []
        for node_id, setup in list(self._setups.items()):
            if not setup.done.is_set():
                continue
            del self._setups[node_id]
            seconds = time.monotonic() - setup.began
            if setup.problem is None:
                finish = NodeFinish(Outcome.PASSED, seconds=seconds)
            else:
                finish = NodeFinish(Outcome.ERROR, _reason(setup), seconds)
            self.observer.node_finish(setup.node, finish)
            finished.append((setup.node, finish, str(getattr(setup.problem, "logs", ""))))
        return finished

    def node_done(self, node: PlanNode) -> None:
        """``node`` finished (or was blocked): an environment nothing waits for any more goes."""
        for dependency in node.depends_on:
            if dependency not in self._waiting:
                continue
            self._waiting[dependency] -= 1
            if not self._waiting[dependency]:
                self._in_background(environment_of(self.plan.environments[dependency]))

    def close(self) -> None:
        """The run is over: wait for the downs under way, then take down what is still up."""
        for thread in self._downs:
            thread.join()
        self.environments.close()

    def _up(self, setup: _Setup) -> None:
        try:
            self.environments.up(environment_of(setup.node), self.run_id)
        except BaseException as problem:  # reported as the node's error, never lost
            setup.problem = problem
        finally:
            setup.done.set()

    def _in_background(self, name: str) -> None:
        thread = threading.Thread(target=self.environments.down, args=(name,), daemon=True)
        self._downs.append(thread)
        thread.start()


def environment_nodes(
    plan: Plan, environments: Environments | None, observer: RunObserver, run_id: str
) -> EnvironmentNodes | None:
    """The environment nodes of ``plan`` (None when it has none)."""
    if not plan.environments:
        return None
    if environments is None:
        raise ConfigError("this run has environments but nothing to bring them up")
    return EnvironmentNodes(plan, environments, observer, run_id)


def _reason(setup: _Setup) -> str:
    return f"environment '{environment_of(setup.node)}' could not start: {setup.problem}"
