"""Which step runs next: ready nodes by priority, first come first served on ties, under the
shared worker limit, never pre-empting a running one.

A node is ready once every node it depends on has finished ``passed`` and every node it runs
``after`` has finished at all; when one it depends on finishes any other way (failed, error,
timeout, skipped, blocked) the nodes waiting for it, and transitively theirs, are ``blocked``
with a reason naming that dependency, and never run. Steps that continue a node
(its retries, the remainder of a crashed shard) queue like any other, in the order they come.
While an environment is being replaced, the steps of the nodes that wait for it are held aside
(``hold``) until it is up again (``release``) or lost (``drain``). A phase's gate runs no
process: once ready it is handed out first, whether a worker is free or not. A gate that halts
the run takes out every node that has not begun (``halt``).
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Container

from orch.core.run.plan import Plan, Step, waits_for
from orch.ports import NodeKind, Outcome, PlanNode
from orch.ports.phases import GATE_PREFIX


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
        self._waiting = {node.id: set(waits_for(node)) for node in plan.nodes}
        self._blocked: set[str] = set()
        self._held: dict[str, list[Step]] = {}
        self._gates: deque[Step] = deque()
        for step in plan.steps.values():
            if not self._waiting[step.node.id]:
                self.push(step)

    def ticket(self) -> int:
        """The next number of the run's one sequence (queue order; retry shards' keys)."""
        return next(self._sequence)

    def push(self, step: Step) -> None:
        """Queue ``step``: a ready node's first shard, or one that continues a started node."""
        self._open[step.node.id] = self._open.get(step.node.id, 0) + 1
        self._queue(step)

    def _queue(self, step: Step) -> None:
        held = next((node for node in step.node.depends_on if node in self._held), None)
        if step.node.kind is NodeKind.GATE:
            self._gates.append(step)
        elif held is not None:
            self._held[held].append(step)
        else:
            heapq.heappush(self._ready, (-step.shard.priority, self.ticket(), step))

    def queued(self) -> bool:
        return bool(self._ready or self._gates) or any(self._held.values())

    def hold(self, node_id: str) -> None:
        """Queue no step that waits for node ``node_id`` (an environment being replaced) until
        ``release``; those queued already are held too."""
        self._held.setdefault(node_id, [])
        ready, self._ready = self._ready, []
        for _, _, step in sorted(ready):
            self._queue(step)

    def release(self, node_id: str) -> None:
        """Queue the steps held for ``node_id``, and those that come from now on."""
        for step in self._held.pop(node_id, []):
            self._queue(step)

    def drain(self, node_id: str) -> list[Step]:
        """The steps held for ``node_id`` so far, taken out: they will never run (each is
        ``done`` with ``taken=False``); later ones stay held for the next ``drain``."""
        held, self._held[node_id] = self._held.get(node_id, []), []
        return held

    def next(self) -> Step | None:
        """The step ``take`` would hand out next once a worker is free (it stays queued)."""
        return self._ready[0][2] if self._ready else None

    def take(self) -> Step | None:
        """A ready gate, else the most urgent ready step if a worker is free; it counts as
        running until ``done``."""
        if self._gates:
            self.running += 1
            return self._gates.popleft()
        if not self._ready or self.running >= self.workers:
            return None
        self.running += 1
        return heapq.heappop(self._ready)[2]

    def done(self, step: Step, taken: bool = True) -> bool:
        """``step`` ended (or could not start; ``taken`` False: was drained, never taken):
        whether its node has no step left, queued or running (push what continues it before
        calling this)."""
        self.running -= taken
        self._open[step.node.id] -= 1
        return self._open[step.node.id] == 0

    def finished(self, node_id: str, outcome: Outcome, why: str = "") -> list[tuple[PlanNode, str]]:
        """Node ``node_id`` ended with ``outcome`` (for ``why``, if it says): the nodes waiting
        for it become ready or, unless it passed, blocked. Returns the nodes it blocked,
        transitively, each with why (a gate's own words, through the gates after it)."""
        blocked: list[tuple[PlanNode, str]] = []
        ended = deque([(node_id, outcome, why)])
        while ended:
            done_id, done_outcome, done_why = ended.popleft()
            for waiting_id in self._dependents[done_id]:
                if waiting_id in self._blocked:
                    continue
                node = self.plan.steps[waiting_id].node
                if done_outcome is Outcome.PASSED or done_id not in node.depends_on:
                    self._waiting[waiting_id].discard(done_id)
                    if not self._waiting[waiting_id]:
                        self.push(self.plan.steps[waiting_id])
                    continue
                if done_why and done_id.startswith(GATE_PREFIX):
                    why = done_why
                else:
                    why = f"dependency {done_id} {done_outcome.value}"
                    why += f" ({done_why})" if done_why else ""
                self._blocked.add(waiting_id)
                blocked.append((self.plan.steps[waiting_id].node, why))
                ended.append((waiting_id, Outcome.BLOCKED, why))
        return blocked

    def halt(self, began: Container[str]) -> list[PlanNode]:
        """Take out every node that has not begun (``began`` holds those that have): queued,
        or waiting for others. They will never run; the steps of begun nodes go on."""
        stopped = {
            node_id
            for node_id, waiting in self._waiting.items()
            if waiting and node_id not in began and node_id not in self._blocked
        }
        for step in [*(entry[2] for entry in self._ready), *self._gates]:
            if step.node.id not in began:
                stopped.add(step.node.id)
                self._open[step.node.id] -= 1
        self._ready = [entry for entry in self._ready if entry[2].node.id not in stopped]
        heapq.heapify(self._ready)
        self._gates = deque(step for step in self._gates if step.node.id not in stopped)
        self._blocked.update(stopped)
        return [step.node for step in self.plan.steps.values() if step.node.id in stopped]
