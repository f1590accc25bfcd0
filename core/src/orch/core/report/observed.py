"""``Engine.execute(observer=...)``: a ``RunObserver`` given by a caller of the Python API,
told what the lifecycle hooks hear, as a plugin among the others."""

from __future__ import annotations

from collections.abc import Sequence

from orch.ports import Application, NodeFinish, PlanNode, RunningTest, TestResult, hookimpl
from orch.ports.observer import RunObserver
from orch.ports.run import Counts


class ObserverPlugin:
    """Each lifecycle hook of a run passed on to ``observer``."""

    def __init__(self, observer: RunObserver) -> None:
        self.observer = observer

    @hookimpl
    def orch_progress(self, counts: Counts, running: Sequence[RunningTest]) -> None:
        self.observer.progress(counts, list(running))

    @hookimpl
    def orch_test_result(self, result: TestResult) -> None:
        self.observer.result(result)

    @hookimpl
    def orch_app_start(self, app: Application) -> None:
        self.observer.app_start(app)

    @hookimpl
    def orch_app_finish(self, app: Application, counts: Counts) -> None:
        self.observer.app_finish(app, counts)

    @hookimpl
    def orch_node_start(self, node: PlanNode) -> None:
        self.observer.node_start(node)

    @hookimpl
    def orch_node_finish(self, node: PlanNode, finish: NodeFinish) -> None:
        self.observer.node_finish(node, finish)
