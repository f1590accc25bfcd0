"""What the run does when a service of an environment dies while its tests run.

The shards using that environment that are running are killed, and every step waiting for it is
held. The first death of an environment replaces it once: when the replacement is up and the
killed shards have settled (their unfinished tests queued again), the held steps run on it and
the run says so in one line. A second death, or a replacement that cannot start, loses the
environment: the tests that had not finished are ``error`` saying so, with the service's last
lines, and the run is an environment failure (exit 4).
"""

from __future__ import annotations

from attrs import define

from orch.core.run.environment_nodes import EnvironmentNodes
from orch.core.run.plan import Step
from orch.core.run.results import Results
from orch.core.run.scheduler import Scheduler
from orch.core.run.supervisor import ENVIRONMENT_DIED, Ended, RunningShard, Supervisor
from orch.core.run.watch import Death
from orch.ports import PlanNode


@define
class _Dying:
    """An environment being replaced: the shards killed for it, how many of their tests run
    again, and whether the replacement is up yet."""

    death: Death
    killed: list[RunningShard]
    rerun: int = 0
    up: bool = False


@define
class Lost:
    """A step that will never run: its environment is gone for good, ``message`` says why."""

    step: Step
    message: str
    logs: str


class Replacements:
    """Deaths and replacements of the run's environments, looked at by the run's loop."""

    def __init__(
        self,
        nodes: EnvironmentNodes,
        scheduler: Scheduler,
        supervisor: Supervisor,
        results: Results,
    ) -> None:
        self.nodes = nodes
        self.scheduler = scheduler
        self.supervisor = supervisor
        self.results = results
        self._dying: dict[str, _Dying] = {}
        self._replaced: set[str] = set()
        self._lost: dict[str, tuple[str, str]] = {}

    def look(self) -> list[Lost]:
        """Act on the deaths and replacements since the last look; returns the steps whose
        environment is lost, taken out of the queue, for the loop to make errors of."""
        for node, death in self.nodes.deaths():
            self._died(node, death)
        for node, problem in self.nodes.replaced():
            dying = self._dying[node.id]
            if problem is None:
                dying.up = True
                continue
            del self._dying[node.id]
            death = dying.death
            self._lose(
                node.id,
                f"{death.said()}: {death.how}; its replacement could not start: {problem}",
                death.logs,
            )
        for node_id, dying in list(self._dying.items()):
            active = self.supervisor.active
            if dying.up and not any(shard is other for shard in dying.killed for other in active):
                del self._dying[node_id]
                self.scheduler.release(node_id)
                death = dying.death
                self.results.problem(
                    f"{death.said()} ({death.how}); replaced, re-running {dying.rerun} tests"
                )
        return [
            Lost(step, message, logs)
            for node_id, (message, logs) in self._lost.items()
            for step in self.scheduler.drain(node_id)
        ]

    def settling(self, ended: Ended) -> None:
        """``ended`` is about to be settled: count the tests it leaves to run again."""
        if ended.exit.killed_for != ENVIRONMENT_DIED:
            return
        for dying in self._dying.values():
            if any(shard is ended.shard for shard in dying.killed):
                dying.rerun += len(ended.shard.pending)

    def _died(self, node: PlanNode, death: Death) -> None:
        self.scheduler.hold(node.id)
        killed = [
            shard for shard in self.supervisor.active if node.id in shard.step.node.depends_on
        ]
        for shard in killed:
            shard.killed_for = ENVIRONMENT_DIED
            shard.process.kill()
        if node.id in self._replaced:
            self._lose(node.id, f"{death.said()}: {death.how}", death.logs)
            return
        self._replaced.add(node.id)
        self._dying[node.id] = _Dying(death, killed)
        self.nodes.replace(node)

    def _lose(self, node_id: str, message: str, logs: str) -> None:
        self._lost[node_id] = (message, logs)
        self.results.environment_problems += 1
        self.results.problem(message)
