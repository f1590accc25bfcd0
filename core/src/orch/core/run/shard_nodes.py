"""An application's tests as the plan's shard nodes: the tests not final yet, by attempt (a
resumed run's retries go on from their last attempt), sharded over the workers by their
recorded durations (one shard per test for per-test data, one shard for a sequential phase),
each shard keyed, labelled, given its priority (``orch.core.run.priority``) and made to wait
for its application's environment and for what its phase waits for."""

from __future__ import annotations

from collections.abc import Mapping

from attrs import evolve

from orch.core.run.phase_planning import OWN, InPhase
from orch.core.run.plan import Plan
from orch.core.run.priority import Priorities
from orch.core.run.results import Results
from orch.core.run.shards import shard_tests
from orch.core.workflow.model import Workflow
from orch.ports import Application, HistoryStore, NodeKind, PlanNode, Shard, TestCase
from orch.ports.phases import PriorityTerms
from orch.ports.simulator import expectation_of


class ShardNodes:
    """Adds the shard nodes of ``workflow``'s tests to ``plan``."""

    def __init__(
        self,
        workflow: Workflow,
        plan: Plan,
        results: Results,
        store: HistoryStore,
        priorities: Priorities,
        coverage: bool,
    ) -> None:
        self.workflow = workflow
        self.plan = plan
        self.results = results
        self.store = store
        self.priorities = priorities
        self.coverage = coverage
        self.last_attempt: Mapping[tuple[str, str], int] = {}
        """Each test's last attempt so far (resuming)."""
        self.durations: dict[str, Mapping[str, float]] = {}
        """Each application's recorded test durations, as far as asked."""
        self.terms: list[PriorityTerms] = []
        """Each shard's priority terms, when ``execution.priority`` adds dynamic ones."""

    def add_tests(
        self, app: Application, tests: list[TestCase] | None, where: InPhase = OWN
    ) -> list[str]:
        """Plan ``tests`` of ``app`` (None: the whole application, once) not final yet, as
        shards of nodes placed as ``where`` says (a matrix variant's first run sharded by the
        recorded durations of the application it is of). Returns the node ids."""
        finals = self.results.finals
        stem = app.name  # of the keys, folder names: a matrix's values may hold a slash
        if where.prefix:
            stem = where.prefix + app.name.replace("/", "_")
        if tests is None:
            if any(r.app == app.name and not expectation_of(r) for r in finals.values()):
                return []  # it ran (a simulator's expectation of its environment is no sign)
            self.results.plan(1)
            return [self.add(app, Shard(app.name, (), key=f"{stem}-0"), where)]
        todo = [t for t in tests if (t.app, t.nodeid) not in finals]
        self.results.plan(len(todo))
        by_attempt: dict[int, list[TestCase]] = {}
        for test in todo:
            attempt = self.last_attempt.get((app.name, test.nodeid), 0) + 1
            by_attempt.setdefault(attempt, []).append(test)
        workers = 1 if where.sequential else self.workflow.execution.workers
        added: list[str] = []
        for attempt, batch in sorted(by_attempt.items()):
            groups = (
                [[test] for test in batch]
                if copy_per_test(app)
                else shard_tests(batch, workers, self._history(app.name, where.base))
            )
            for index, tests_of_shard in enumerate(groups):
                key = f"{stem}-{index}"
                if attempt > 1:
                    key = f"{stem}-r{attempt}-{index}"
                shard = Shard(app.name, tuple(tests_of_shard), key, attempt, coverage=self.coverage)
                after = added[-1:] if where.sequential else []
                added.append(self.add(app, shard, where, tuple(after)))
        return added

    def _history(self, app: str, base: str) -> Mapping[str, float]:
        """The recorded durations of ``app``'s tests (those of ``base`` until it has some)."""
        if app not in self.durations:
            self.durations[app] = self.store.durations(app) or self.durations.get(base, {})
        return self.durations[app]

    def add(
        self,
        app: Application,
        shard: Shard,
        where: InPhase = OWN,
        after: tuple[str, ...] = (),
    ) -> str:
        """Add a node running ``shard`` of ``app``, after the nodes ``after``; its id."""
        priority = self.priorities.of(app, shard, where.base or app.name, where.criticality)
        if priority.terms:
            self.terms.append(priority)
        shard = evolve(shard, priority=priority.total, output=self.workflow.execution.output)
        if shard.tests:
            label = f"{app.name}: {len(shard.tests)} tests"
        elif shard.partition[1] > 1:
            label = f"{app.name}: share {shard.partition[0] + 1} of {shard.partition[1]}"
        else:
            label = f"{app.name}: all its tests"
        if shard.attempt > 1:
            label += f", attempt {shard.attempt}"
        waits = where.waits
        if app.environment:
            waits = (self.plan.add_environment(app.environment), *waits)
        self.plan.add(PlanNode(shard.key, NodeKind.SHARD, app.name, label, waits, after), shard)
        return shard.key


def copy_per_test(app: Application) -> bool:
    """Whether each test of ``app`` gets a copy of its test data of its own: it then runs in a
    shard of its own, which takes a fresh copy (any runner, any framework)."""
    return app.test_data is not None and app.test_data.per == "test"
