"""The run told to the plugins: ``HookRelay`` is the ``RunObserver`` a run is given, and turns
each thing it hears into the ``orch_`` lifecycle hook of the same moment.

It also opens and closes the run for them (``orch_run_start``, ``orch_run_finish``): what a
plugin returns from ``orch_run_finish`` becomes a problem of the run, which then exits 4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pluggy

from orch.ports import Application, NodeFinish, PlanNode, RunningTest, TestResult
from orch.ports.run import Counts, RunResult


class HookRelay:
    """A ``RunObserver`` whose every call is a call of the plugins' hooks."""

    def __init__(self, hook: pluggy.HookRelay) -> None:
        self.hook = hook

    def run_start(
        self, root: Path, applications: Sequence[Application], commit: str, resume: str | None
    ) -> None:
        self.hook.orch_run_start(
            root=root, applications=tuple(applications), commit=commit, resume=resume
        )

    def progress(self, counts: Counts, running: list[RunningTest]) -> None:
        self.hook.orch_progress(counts=counts, running=running)

    def result(self, result: TestResult) -> None:
        self.hook.orch_test_result(result=result)

    def app_start(self, app: Application) -> None:
        self.hook.orch_app_start(app=app)

    def app_finish(self, app: Application, counts: Counts) -> None:
        self.hook.orch_app_finish(app=app, counts=counts)

    def node_start(self, node: PlanNode) -> None:
        self.hook.orch_node_start(node=node)

    def node_finish(self, node: PlanNode, finish: NodeFinish) -> None:
        self.hook.orch_node_finish(node=node, finish=finish)

    def run_finish(self, result: RunResult, reports: Mapping[str, Path]) -> RunResult:
        """``result`` with the problems the plugins returned (each one exits 4)."""
        for problem in self.hook.orch_run_finish(result=result, reports=reports):
            result = result.lacking(problem)
        return result
