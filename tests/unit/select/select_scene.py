"""A selection scene for core's unit tests: an in-memory repository (FakeVcs), store, runner and
change analysis (FakeImpact) of one application, ``shop``, at the repository's top or below it."""

from __future__ import annotations

from pathlib import Path

from orch.core.select.changes import change_set
from orch.core.select.selection import Selector
from orch.core.workflow.model import Workflow
from orch.ports import Application, Outcome, Progress, RunRecord, SelectSettings, TestResult
from orch.ports.selection import AppSelection, Selection
from orch.testing.fake_impact import FakeAppImpact, FakeImpact
from orch.testing.fake_runner import FakeRunner
from orch.testing.fakes import FakeStore, FakeVcs

SOURCES = {
    "src/money.fk": "money v1\nformat v1\n",
    "src/cart.fk": "cart v1\n",
    "tests/money_test.fk": "test money\n",
    "tests/cart_test.fk": "test cart\n",
}
TESTS = {
    "tests/money_test.fk": ["tests/money_test.fk::test_format", "tests/money_test.fk::test_parse"],
    "tests/cart_test.fk": ["tests/cart_test.fk::test_total"],
}
IMPORTS = {
    "src/cart.fk": ("src/money.fk",),
    "tests/money_test.fk": ("src/money.fk",),
    "tests/cart_test.fk": ("src/cart.fk",),
}


class Scene:
    """``shop`` committed as "base"; a test changes ``repo`` and then calls ``select``."""

    def __init__(self, tmp_path: Path, app_folder: str = "") -> None:
        self.root = tmp_path / "repo"
        self.vcs = FakeVcs()
        self.repo = self.vcs.init(self.root)
        self.store = FakeStore()
        self.runner = FakeRunner({})
        self.runners: dict = {"fake": self.runner}
        self.analysis = FakeAppImpact(
            tests={k: list(v) for k, v in TESTS.items()}, imports=dict(IMPORTS)
        )
        self.impacts = [FakeImpact({"shop": self.analysis})]
        self.path = self.root / app_folder if app_folder else self.root
        prefix = f"{app_folder}/" if app_folder else ""
        for path, text in SOURCES.items():
            self.repo.write(prefix + path, text)
        self.base = self.repo.commit("base")
        self.state_dir = tmp_path / ".orch"

    def selector(self, **select: object) -> Selector:
        app = Application("shop", self.path, "fake", select=SelectSettings(**select))
        workflow = Workflow(applications=(app,), root=self.root)
        return Selector(
            workflow,
            vcs=self.vcs,
            store=self.store,
            runners=self.runners,
            state_dir=self.state_dir,
            impacts=self.impacts,
        )

    def selection(self, head: str | None = None, **select: object) -> Selection:
        selector = self.selector(**select)
        changes = change_set(selector.workflow, self.vcs, self.base, head, claims=selector.claims())
        return selector.select(changes)

    def select(self, head: str | None = None, **select: object) -> AppSelection:
        return self.selection(head, **select).apps["shop"]

    def failed_before(self, *nodeids: str, runs: int = 1) -> None:
        """Record ``runs`` finished runs in which ``nodeids`` failed."""
        for number in range(runs):
            run_id = f"run-{len(self.store.runs) + number}"
            record = RunRecord(run_id, "orch.yaml", self.base, float(number), status="finished")
            self.store.create_run(record)
            failed = [TestResult("shop", n, Outcome.FAILED) for n in nodeids]
            self.store.record(run_id, Progress(finals=failed))


def reasons(selection: AppSelection) -> dict[str, tuple[str, ...]]:
    """Each selected test's reasons."""
    return {test.nodeid: test.reasons for test in selection.tests}
