"""Which step runs next: ready nodes by priority, first come first served on ties, under the
shared worker limit, never pre-empting a running one.

A node is ready once every node it depends on has finished ``passed``; when one finishes any other
way (failed, error, timeout, skipped, blocked) the nodes waiting for it, and transitively theirs,
are ``blocked`` with a reason naming that dependency, and never run. Steps that continue a node
(its retries, the remainder of a crashed shard) queue like any other, in the order they come.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque

from orch.core.run.plan import Plan, Step
from orch.ports import Outcome, PlanNode


class Scheduler:
    """Hands out the steps of a ``Plan`` while fewer than ``workers`` run."""

    def __init__(self, plan: Plan, workers: int) -> None:
        self.plan = plan
        self.workers = workers
        self.running = 0
        self._ready: list[tuple[int, int, Step]] = []
        self._sequence = itertools.count()
        self._open: dict[str, int] = {}
        self._dependents = plan.dependents()
        self._waiting = {node.id: set(node.depends_on) for node in plan.nodes}
        self._blocked: set[str] = set()
        for step in plan.steps.values():
            if not step.node.depends_on:
                self.push(step)

    def ticket(self) -> int:
        """The next number of the run's one sequence (queue order; retry shards' keys)."""
        return next(self._sequence)

    def push(self, step: Step) -> None:
        """Queue ``step``: a ready node's first shard, or one that continues a started node."""
        heapq.heappush(self._ready, (-step.shard.priority, self.ticket(), step))
        self._open[step.node.id] = self._open.get(step.node.id, 0) + 1

    def queued(self) -> bool:
        return bool(self._ready)

    def next(self) -> Step | None:
        """The step ``take`` would hand out next once a worker is free (it stays queued)."""
        return self._ready[0][2] if self._ready else None

    def take(self) -> Step | None:
        """The most urgent ready step, if a worker is free; it counts as running until ``done``."""
        if not self._ready or self.running >= self.workers:
            return None
        self.running += 1
        return heapq.heappop(self._ready)[2]

    def done(self, step: Step) -> bool:
        """``step`` ended (or could not start): whether its node has no step left, queued or
        running (push what continues it before calling this)."""
        self.running -= 1
        self._open[step.node.id] -= 1
        return self._open[step.node.id] == 0

    def finished(self, node_id: str, outcome: Outcome) -> list[tuple[PlanNode, str]]:
        """Node ``node_id`` ended with ``outcome``: the nodes waiting for it become ready or, unless
        it passed, blocked. Returns the nodes it blocked, transitively, each with why."""
        blocked: list[tuple[PlanNode, str]] = []
        ended = deque([(node_id, outcome, "")])
        while ended:
            done_id, done_outcome, done_why = ended.popleft()
            for waiting_id in self._dependents[done_id]:
                if waiting_id in self._blocked:
                    continue
                if done_outcome is Outcome.PASSED:
                    self._waiting[waiting_id].discard(done_id)
                    if not self._waiting[waiting_id]:
                        self.push(self.plan.steps[waiting_id])
                    continue
                why = f"dependency {done_id} {done_outcome.value}"
                why += f" ({done_why})" if done_why else ""
                self._blocked.add(waiting_id)
                blocked.append((self.plan.steps[waiting_id].node, why))
                ended.append((waiting_id, Outcome.BLOCKED, why))
        return blocked
