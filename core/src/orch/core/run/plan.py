"""The run's plan: a graph of nodes, each with the first work it runs and the nodes it waits for.

Today every node is a test shard and no node waits for another (a graph without edges: the run
dispatches by priority alone). Environments, datasets and cross-application steps join later as
nodes with ``depends_on``; the graph's rules (ready when every dependency passed, ``blocked`` when
one did not, a cycle is a workflow error) live here and in ``orch.core.run.scheduler``.
"""

from __future__ import annotations

from attrs import frozen

from orch.core.shared.graphs import find_cycle
from orch.ports import ConfigError, PlanNode, Shard


@frozen
class Step:
    """One piece of work the scheduler hands out: a shard of a node (its first one, a retry or
    the remainder of a crashed one: they all belong to the node that planned them)."""

    node: PlanNode
    shard: Shard


class Plan:
    """The nodes of a run in the order they were planned, with the shard each starts with."""

    def __init__(self) -> None:
        self.steps: dict[str, Step] = {}

    def add(self, node: PlanNode, shard: Shard) -> None:
        if node.id in self.steps:
            raise ConfigError(f"plan: two nodes are named '{node.id}'; node ids must be unique")
        self.steps[node.id] = Step(node, shard)

    @property
    def nodes(self) -> list[PlanNode]:
        return [step.node for step in self.steps.values()]

    def apps(self) -> dict[str, list[str]]:
        """Each application's node ids, in plan order (nodes of no application left out)."""
        apps: dict[str, list[str]] = {}
        for node in self.nodes:
            if node.app is not None:
                apps.setdefault(node.app, []).append(node.id)
        return apps

    def dependents(self) -> dict[str, list[str]]:
        """For each node, the nodes that wait for it, in plan order."""
        waiting: dict[str, list[str]] = {node_id: [] for node_id in self.steps}
        for node in self.nodes:
            for dependency in node.depends_on:
                waiting[dependency].append(node.id)
        return waiting

    def check(self) -> None:
        """Raise ConfigError for a dependency on no node, or for a cycle (naming it)."""
        for node in self.nodes:
            for dependency in node.depends_on:
                if dependency not in self.steps:
                    raise ConfigError(
                        f"plan: node '{node.id}' depends on '{dependency}', which is not in the "
                        "plan; name one of its nodes"
                    )
        cycle = find_cycle(self.steps, lambda node_id: self.steps[node_id].node.depends_on)
        if cycle:
            raise ConfigError(f"plan cycle: {' -> '.join(cycle)}; remove one of these dependencies")
