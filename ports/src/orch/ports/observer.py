"""What a run tells the outside while it goes on: the seam between the run use case and whoever
follows it (the CLI's live display, the lifecycle hooks that reporters implement). A port so that
the run and the reporters meet here instead of importing each other.

The run calls these in order: ``app_start`` before an application's first node starts,
``node_start``/``node_finish`` around each node of the plan (a ``blocked`` node never starts: it
has only its ``node_finish``; a node's retries are part of it), ``result`` for each test's final
result as it lands, ``progress`` at least every second, ``app_finish`` once the application's
last node has finished. An application without nodes (not selected, its discovery failed,
nothing left to resume) hears neither ``app_start`` nor ``app_finish``; Ctrl-C ends a run
without the ``node_finish`` and ``app_finish`` of what was running. ``Silent`` is the observer
that hears nothing; a partial observer subclasses it.
"""

from __future__ import annotations

from typing import Protocol

from orch.ports.model import Application, RunningTest, TestResult
from orch.ports.plan import NodeFinish, PlanNode
from orch.ports.run import Counts


class RunObserver(Protocol):
    """Told about a run as it happens."""

    def progress(self, counts: Counts, running: list[RunningTest]) -> None: ...

    def result(self, result: TestResult) -> None: ...

    def app_start(self, app: Application) -> None: ...

    def app_finish(self, app: Application, counts: Counts) -> None: ...

    def node_start(self, node: PlanNode) -> None: ...

    def node_finish(self, node: PlanNode, finish: NodeFinish) -> None: ...


class Silent:
    """An observer that ignores everything; subclass it to hear only some of a run."""

    def progress(self, counts: Counts, running: list[RunningTest]) -> None:
        pass

    def result(self, result: TestResult) -> None:
        pass

    def app_start(self, app: Application) -> None:
        pass

    def app_finish(self, app: Application, counts: Counts) -> None:
        pass

    def node_start(self, node: PlanNode) -> None:
        pass

    def node_finish(self, node: PlanNode, finish: NodeFinish) -> None:
        pass
