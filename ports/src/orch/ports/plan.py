"""The run plan's nodes as plugins see them: what is about to run, or has run, in a run's graph.

A run is a graph of nodes: test shards, the environments they wait for, and the steps of
cross-application flows. Lifecycle hooks (``orch_node_start``,
``orch_node_finish``) receive these values, so a reporter or a gate can follow the plan
without knowing how the scheduler works.
"""

from __future__ import annotations

import enum

from attrs import frozen

from orch.ports.model import Outcome


class NodeKind(enum.StrEnum):
    """What a plan node does."""

    SHARD = "shard"
    """Runs a share of one application's tests in one runner process."""
    ENVIRONMENT = "environment"
    """Brings an environment up; the shards of the applications using it wait for it."""
    STEP = "step"
    """Runs one step of a cross-application flow: one test of one application, given the
    values earlier steps handed on (``orch.ports.flows``)."""
    GATE = "gate"
    """Ends a phase (``orch.ports.phases``): runs no process, judges what the phase's nodes
    did once they all ended; the next phases wait for it to pass."""


@frozen
class PlanNode:
    """One node of a run's plan: its id (unique within the run), what it does, for which
    application, and the ids of the nodes it waits for."""

    id: str
    kind: NodeKind
    app: str | None
    label: str
    """What a person reads: e.g. ``payments: tests/test_refund.py (12 tests)``."""
    depends_on: tuple[str, ...] = ()
    """Nodes that must pass first: one that does not blocks this one."""
    after: tuple[str, ...] = ()
    """Nodes that must end first, however they end (a flow step whose ``when`` reads an
    earlier step's outcome)."""


@frozen
class NodeFinish:
    """How a node ended: its outcome and, when it is not ``passed``, why (a ``blocked`` node names
    the dependency that stopped it)."""

    outcome: Outcome
    reason: str = ""
    seconds: float = 0.0
