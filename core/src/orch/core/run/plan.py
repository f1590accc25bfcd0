"""The run's plan: a graph of nodes, each with the first work it runs and the nodes it waits for.

A node is a test shard, an environment (``environment:NAME``, which the shards of the
applications using it wait for) or a step of a cross-application flow (``flow:NAME/STEP``,
``orch.core.run.flow_planning``). Without environments and flows no node waits for another:
the run dispatches by priority alone. The graph's rules (ready when every dependency passed,
``blocked`` when one did not, a cycle is a workflow error) live here and in
``orch.core.run.scheduler``.
"""

from __future__ import annotations

from attrs import frozen

from orch.core.shared.graphs import find_cycle
from orch.ports import ConfigError, NodeKind, PlanNode, Shard

ENVIRONMENT_PREFIX = "environment:"


@frozen
class Step:
    """One piece of work the scheduler hands out: a shard of a node (its first one, a retry or
    the remainder of a crashed one: they all belong to the node that planned them)."""

    node: PlanNode
    shard: Shard


def folder_safe(text: str) -> str:
    """``text`` as part of a shard key, which names a folder and a row of the store: letters,
    digits, ``-``, ``_`` and ``.`` kept, anything else ``_``."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def environment_node(name: str) -> PlanNode:
    """The node that brings environment ``name`` up."""
    return PlanNode(ENVIRONMENT_PREFIX + name, NodeKind.ENVIRONMENT, None, f"environment {name}")


def waits_for(node: PlanNode) -> tuple[str, ...]:
    """The nodes ``node`` waits for: those that must pass, then those that must just end."""
    return (*node.depends_on, *node.after)


def environment_of(node: PlanNode) -> str:
    """The environment an environment node brings up."""
    return node.id.removeprefix(ENVIRONMENT_PREFIX)


class Plan:
    """The nodes of a run in the order they were planned: shards with the shard each starts
    with, and environments."""

    def __init__(self) -> None:
        self.steps: dict[str, Step] = {}
        self.environments: dict[str, PlanNode] = {}

    def add(self, node: PlanNode, shard: Shard) -> None:
        self._unique(node.id)
        self.steps[node.id] = Step(node, shard)

    def add_environment(self, name: str) -> str:
        """The id of environment ``name``'s node, added when it is not there yet."""
        node = environment_node(name)
        self.environments.setdefault(node.id, node)
        return node.id

    def _unique(self, node_id: str) -> None:
        if node_id in self.steps or node_id in self.environments:
            raise ConfigError(f"plan: two nodes are named '{node_id}'; node ids must be unique")

    @property
    def nodes(self) -> list[PlanNode]:
        return [*self.environments.values(), *(step.node for step in self.steps.values())]

    def apps(self) -> dict[str, list[str]]:
        """Each application's node ids, in plan order (nodes of no application left out)."""
        apps: dict[str, list[str]] = {}
        for node in self.nodes:
            if node.app is not None:
                apps.setdefault(node.app, []).append(node.id)
        return apps

    def dependents(self) -> dict[str, list[str]]:
        """For each node, the nodes that wait for it, in plan order."""
        waiting: dict[str, list[str]] = {node.id: [] for node in self.nodes}
        for node in self.nodes:
            for dependency in waits_for(node):
                waiting[dependency].append(node.id)
        return waiting

    def check(self) -> None:
        """Raise ConfigError for a dependency on no node, or for a cycle (naming it)."""
        for node in self.nodes:
            for dependency in waits_for(node):
                if dependency not in self.steps and dependency not in self.environments:
                    raise ConfigError(
                        f"plan: node '{node.id}' depends on '{dependency}', which is not in the "
                        "plan; name one of its nodes"
                    )
        nodes = {node.id: node for node in self.nodes}
        cycle = find_cycle(nodes, lambda node_id: waits_for(nodes[node_id]))
        if cycle:
            raise ConfigError(f"plan cycle: {' -> '.join(cycle)}; remove one of these dependencies")
