"""Turning a workflow into a run's plan: which applications run, their tests (discovered, joined
to the selection, in risk order), and the shards they are split into, one plan node per shard.

The tests that the steps of flows run are left out of their applications' own runs (they need
the values the flow hands them). An application whose runner can discover and run its tests in
one process, and that needs no test list first, is not discovered at all: it runs as shares
that each collect it all and run their part, as pytest-xdist does (``_runs_whole``). A
workflow with phases lists every application's tests and hands them to ``PhasePlanning``;
``ShardNodes`` turns each batch into the plan's shard nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from attrs import evolve

from orch.core.run.flow_planning import add_flows, flow_tests, in_a_flow
from orch.core.run.phase_planning import PhaseLayout, PhasePlanning, rerun
from orch.core.run.plan import Plan
from orch.core.run.priority import Priorities
from orch.core.run.results import Results
from orch.core.run.shard_nodes import ShardNodes, copy_per_test
from orch.core.run.shards import expected_seconds, shard_count
from orch.core.workflow.model import Workflow
from orch.ports import (
    Application,
    ConfigError,
    EnvironmentProblem,
    HistoryStore,
    MissingProgram,
    Shard,
    TestCase,
    TestRunner,
)
from orch.ports.selection import Selection


class Planner:
    """Plans one run of ``workflow``; results of discovery that failed land in ``results``."""

    def __init__(
        self,
        workflow: Workflow,
        runners: Mapping[str, TestRunner],
        store: HistoryStore,
        results: Results,
        selection: Selection | None,
        coverage: bool,
    ) -> None:
        self.workflow = workflow
        self.runners = runners
        self.store = store
        self.results = results
        self.selection = selection
        self.coverage = coverage
        self.plan = Plan()
        self._flow_tests = flow_tests(workflow)
        self.priorities = Priorities(workflow, store, selection)
        self.nodes: ShardNodes | None = None
        """What ``make`` planned the tests with (each shard's priority terms)."""
        self.phases: PhaseLayout = {}
        """Each phase's nodes and tests, once ``make`` planned them (none without phases)."""

    def make(self, last_attempt: Mapping[tuple[str, str], int] | None) -> Plan:
        """The plan; ``last_attempt`` (resuming) is each test's last attempt so far."""
        resuming = last_attempt is not None
        if resuming and self.workflow.phases:
            last_attempt = rerun(self.results, last_attempt or {})
        finals = self.results.finals
        self.results.plan(len(finals))  # the resumed run's; a discovery error adds its own
        apps = [app for app in self.workflow.applications if not self._untouched(app)]
        workers = self.workflow.execution.workers
        history: dict[str, Mapping[str, float]] = {
            app.name: self.store.durations(app.name) for app in apps
        }
        whole = {app.name for app in apps if self._runs_whole(app, history[app.name], resuming)}
        listed = [app for app in apps if app.name not in whole]
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(listed)))) as pool:
            found = dict(
                zip((app.name for app in listed), pool.map(self._discover, listed), strict=True)
            )
        self.nodes = nodes = ShardNodes(
            self.workflow, self.plan, self.results, self.store, self.priorities, self.coverage
        )
        nodes.last_attempt, nodes.durations = last_attempt or {}, history
        phases = None
        if self.workflow.phases:
            phases = PhasePlanning(self.workflow, self.plan, nodes.add_tests)
        for app in apps:
            if app.name in whole:
                spare = max(1, workers // len(apps))
                parts = share_count(app, history[app.name], spare, workers)
                for index in range(parts):
                    share = Shard(app.name, (), f"{app.name}-{index}", coverage=self.coverage)
                    nodes.add(app, evolve(share, partition=(index, parts)))
            elif (tests := found[app.name]) is not None and phases is None:
                nodes.add_tests(app, self._listed(app, tests))
        if phases is not None:
            phases.add_tests(
                {
                    app.name: self._listed(app, tests)
                    for app in listed
                    if (tests := found[app.name]) is not None
                }
            )
        self.results.plan(add_flows(self.plan, self.workflow, self.results))
        if phases is not None:
            phases.add_gates(self.results)
            self.phases = phases.layout
        self.plan.check()
        return self.plan

    def _listed(self, app: Application, tests: list[TestCase]) -> list[TestCase] | None:
        """``app``'s tests to plan, highest risk first (None: its runner runs it whole)."""
        return self._selected(app, tests) if self.runners[app.runner].selects_tests else None

    def _untouched(self, app: Application) -> bool:
        """Whether the selection gave ``app`` nothing to run: it is not even discovered."""
        return self.selection is not None and self.selection.wanted(app.name) == {}

    def _runs_whole(self, app: Application, durations: Mapping[str, float], resuming: bool) -> bool:
        """Whether ``app`` runs as one shard that discovers and runs its tests in one process.

        Only when nothing needs the test list first (no resume, no selection or --lf narrowing
        it) and it would be one shard anyway (its recorded time is worth no second process
        start-up), or it has no history, or it has an environment: then ``make`` splits it into
        shares (``share_count``), each process collecting it all and running its share, as
        pytest-xdist does.
        """
        runner = self.runners.get(app.runner)
        if runner is None or not getattr(runner, "runs_unlisted", False) or resuming:
            return False
        if self.workflow.phases:
            return False  # a phase takes tests by path, marker or name: the list comes first
        if app.test_filter.tests or copy_per_test(app) or app.name in self._flow_tests:
            return False  # --lf, per-test data, tests left to flows: the list comes first
        if self.selection is not None and self.selection.wanted(app.name) is not None:
            return False
        if durations and not app.environment:
            return shard_count(expected_seconds(durations), self.workflow.execution.workers) == 1
        return True

    def _selected(self, app: Application, tests: list[TestCase]) -> list[TestCase]:
        """The tests of ``app`` the selection chose, highest risk first."""
        if self.selection is None:
            return tests
        wanted = self.selection.wanted(app.name)
        if wanted is None:
            return tests
        scored = []
        for test in tests:
            score = wanted.get(test.nodeid)
            if score is None:
                score = wanted.get(test.nodeid.split("[", 1)[0])
            if score is not None:
                scored.append((score, test))
        scored.sort(key=lambda pair: -pair[0])
        return [test for _, test in scored]

    def _discover(self, app: Application) -> list[TestCase] | None:
        runner = self.runners.get(app.runner)
        if runner is None:
            raise ConfigError(f"{app.name}: no runner '{app.runner}' is installed")
        try:
            found = runner.discover(app)
            named = self._flow_tests
            return [t for t in found if app.test_filter.keeps(t.nodeid) and not in_a_flow(named, t)]
        except MissingProgram:
            raise  # nothing of this app can run: the run stops with that one line
        except EnvironmentProblem as problem:
            said = str(problem)
            if app.environment:
                said += (
                    f" (its environment '{app.environment}' is not up yet while orch lists the "
                    "tests of a selection, --lf or a resume: read its variables in a fixture, "
                    "not at import)"
                )
            self.results.environment_problem(app, said)
            return None


def share_count(app: Application, durations: Mapping[str, float], spare: int, workers: int) -> int:
    """How many shares ``app`` runs as: the ``spare`` workers the other applications leave it
    when it has no history; with history, one, or for an app with an environment as many as its
    recorded time is worth (its tests are never discovered apart: only once its environment is
    up are the variables its conftest may read at import there)."""
    if not durations:
        return spare
    if not app.environment:
        return 1
    return shard_count(expected_seconds(durations), workers)
