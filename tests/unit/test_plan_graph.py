"""The run plan as a graph, with fakes: dependencies respected, ``blocked`` propagated with reasons
(transitively), cycles named, priority and FIFO kept, the worker limit never exceeded, and the
observer told about applications and nodes in order."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_run import fake_session

from orch.core import Workflow
from orch.core.run.dispatch import Dispatch
from orch.core.run.launcher import Launcher
from orch.core.run.plan import Plan
from orch.core.run.recorder import Recorder
from orch.core.run.results import Results
from orch.core.run.retry import RetryPolicy
from orch.core.run.scheduler import Scheduler
from orch.core.run.supervisor import Supervisor
from orch.core.shared.redaction import redactor_for
from orch.ports import (
    Application,
    Command,
    ConfigError,
    EnvironmentProblem,
    Execution,
    NodeKind,
    Outcome,
    PlanNode,
    RunRecord,
    Shard,
    TestCase,
)
from orch.ports.observer import Silent
from orch.testing.fake_runner import FakeClock, FakeExecutor, FakeProcess, FakeRunner, FakeTest
from orch.testing.fakes import FakeStore


class Heard(Silent):
    """An observer that writes down what it hears about applications, nodes and results."""

    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def result(self, result) -> None:
        self.events.append(("result", result.nodeid, result.outcome.value))

    def app_start(self, app) -> None:
        self.events.append(("app_start", app.name))

    def app_finish(self, app, counts) -> None:
        self.events.append(("app_finish", app.name, counts.line()))

    def node_start(self, node) -> None:
        self.events.append(("node_start", node.id))

    def node_finish(self, node, finish) -> None:
        self.events.append(("node_finish", node.id, finish.outcome.value, finish.reason))

    def of(self, kind: str) -> list[tuple[str, ...]]:
        return [event for event in self.events if event[0] == kind]


class CountingExecutor(FakeExecutor):
    """A FakeExecutor that records how many of its processes run at once."""

    def __init__(self, runner: FakeRunner) -> None:
        super().__init__(runner)
        self.most = 0

    def start(self, command: Command, scratch: Path, tag: str) -> FakeProcess:
        process = super().start(command, scratch, tag)
        self.most = max(self.most, sum(p.returncode is None for p in self.started))
        return process


def workflow_of(tmp_path: Path, runner: FakeRunner, workers: int) -> Workflow:
    apps = tuple(Application(name, tmp_path, "fake") for name in runner.tests)
    return Workflow(applications=apps, execution=Execution(workers=workers), root=tmp_path)


def node(plan: Plan, node_id: str, app: str, nodeids, after=(), priority: int = 0) -> None:
    tests = tuple(TestCase(app, nodeid, "f.py") for nodeid in nodeids)
    shard = Shard(app, tests, key=node_id, priority=priority)
    plan.add(PlanNode(node_id, NodeKind.SHARD, app, node_id, tuple(after)), shard)


def run_plan(tmp_path, runner, plan, workers=2, executor=None):
    """Run ``plan`` as the run does, on fakes; returns what the observer heard and the results."""
    workflow = workflow_of(tmp_path, runner, workers)
    heard, clock, store = Heard(), FakeClock(0.01), FakeStore()
    store.create_run(RunRecord(id="r1", workflow="w", commit="", started_at=0.0))
    recorder = Recorder(store, "r1", heard, clock)
    retry = RetryPolicy(workflow.execution)
    results = Results(workflow, redactor_for(workflow.applications), retry, recorder, heard)
    executor = executor or FakeExecutor(runner)
    no_variables = lambda app: {}  # noqa: E731
    launcher = Launcher(workflow, {"fake": runner}, executor, tmp_path / "runs", "r1", no_variables)
    supervisor = Supervisor(launcher, clock, results, recorder)
    plan.check()
    Dispatch(workflow, plan, supervisor, results, recorder, heard, clock).run(0)
    return heard, results


def outcome_of(results: Results, app: str, nodeid: str) -> tuple[str, str]:
    result = results.finals[(app, nodeid)]
    return result.outcome.value, result.message


def test_a_node_starts_only_after_its_dependencies_passed(tmp_path):
    runner = FakeRunner({"db": [FakeTest("setup")], "app": [FakeTest("t1"), FakeTest("t2")]})
    plan = Plan()
    node(plan, "app-0", "app", ["t1"], after=["db-0"])
    node(plan, "db-0", "db", ["setup"])
    node(plan, "app-1", "app", ["t2"])
    heard, results = run_plan(tmp_path, runner, plan, workers=3)
    starts = [event[1] for event in heard.of("node_start")]
    assert starts == ["db-0", "app-1", "app-0"]
    order = heard.events
    assert order.index(("node_finish", "db-0", "passed", "")) < order.index(("node_start", "app-0"))
    assert {key: r.outcome for key, r in results.finals.items()} == {
        ("db", "setup"): Outcome.PASSED,
        ("app", "t1"): Outcome.PASSED,
        ("app", "t2"): Outcome.PASSED,
    }


def test_a_failed_dependency_blocks_its_dependents_transitively_with_reasons(tmp_path):
    runner = FakeRunner(
        {
            "db": [FakeTest("setup", ("failed",))],
            "app": [FakeTest("t1"), FakeTest("t2"), FakeTest("free")],
        }
    )
    plan = Plan()
    node(plan, "db-0", "db", ["setup"])
    node(plan, "app-0", "app", ["t1"], after=["db-0"])
    node(plan, "app-1", "app", ["t2"], after=["app-0"])
    node(plan, "app-2", "app", ["free"])
    heard, results = run_plan(tmp_path, runner, plan)
    assert outcome_of(results, "app", "t1") == ("blocked", "blocked: dependency db-0 failed")
    assert outcome_of(results, "app", "t2") == (
        "blocked",
        "blocked: dependency app-0 blocked (dependency db-0 failed)",
    )
    assert outcome_of(results, "app", "free")[0] == "passed"
    assert [event[1] for event in heard.of("node_start")] == ["db-0", "app-2"]
    assert ("node_finish", "db-0", "failed", "1 of its 1 tests failed") in heard.events
    assert ("node_finish", "app-0", "blocked", "dependency db-0 failed") in heard.events
    assert (
        "node_finish",
        "app-1",
        "blocked",
        "dependency app-0 blocked (dependency db-0 failed)",
    ) in heard.events
    assert heard.of("app_finish") == [
        ("app_finish", "db", "1 failed"),
        ("app_finish", "app", "1 passed, 2 blocked"),
    ]
    assert results.counts().blocked == 2


def test_a_skipped_dependency_blocks_too(tmp_path):
    runner = FakeRunner({"db": [FakeTest("setup", ("skipped",))], "app": [FakeTest("t1")]})
    plan = Plan()
    node(plan, "db-0", "db", ["setup"])
    node(plan, "app-0", "app", ["t1"], after=["db-0"])
    heard, results = run_plan(tmp_path, runner, plan)
    assert outcome_of(results, "app", "t1") == ("blocked", "blocked: dependency db-0 skipped")
    assert ("node_finish", "db-0", "skipped", "1 of its 1 tests skipped") in heard.events


def test_a_node_waits_for_all_its_dependencies_and_one_failure_blocks_it(tmp_path):
    runner = FakeRunner(
        {"a": [FakeTest("ok")], "b": [FakeTest("bad", ("error",))], "c": [FakeTest("t")]}
    )
    plan = Plan()
    node(plan, "a-0", "a", ["ok"])
    node(plan, "b-0", "b", ["bad"])
    node(plan, "c-0", "c", ["t"], after=["a-0", "b-0"])
    heard, results = run_plan(tmp_path, runner, plan)
    assert outcome_of(results, "c", "t") == ("blocked", "blocked: dependency b-0 error")
    assert "c-0" not in [event[1] for event in heard.of("node_start")]


@pytest.mark.parametrize(
    ("edges", "cycle"),
    [
        ({"a": ["b"], "b": ["a"]}, "plan cycle: a -> b -> a"),
        ({"a": ["a"]}, "plan cycle: a -> a"),
        ({"x": [], "a": ["x", "b"], "b": ["c"], "c": ["a"]}, "plan cycle: a -> b -> c -> a"),
    ],
)
def test_a_cycle_is_a_workflow_error_naming_it(edges, cycle):
    plan = Plan()
    for node_id, after in edges.items():
        node(plan, node_id, "app", [node_id], after=after)
    with pytest.raises(ConfigError, match=f"^{cycle}; remove one of these dependencies$"):
        plan.check()


def test_a_dependency_on_no_node_and_a_repeated_node_id_are_named():
    plan = Plan()
    node(plan, "a", "app", ["t"], after=["ghost"])
    with pytest.raises(ConfigError, match="node 'a' depends on 'ghost', which is not in the plan"):
        plan.check()
    with pytest.raises(ConfigError, match="two nodes are named 'a'"):
        node(plan, "a", "app", ["u"])


def test_the_scheduler_takes_highest_priority_first_fifo_on_ties_and_never_preempts():
    plan = Plan()
    node(plan, "low", "x", ["1"], priority=0)
    node(plan, "mid", "x", ["2"], priority=1)
    node(plan, "high", "x", ["3"], priority=5)
    node(plan, "mid2", "x", ["4"], priority=1)
    node(plan, "late", "x", ["5"], after=["low"], priority=1)
    scheduler = Scheduler(plan, workers=1)
    first = scheduler.take()
    assert first is not None and first.node.id == "high"
    assert scheduler.take() is None  # one worker, busy: nothing more starts
    assert scheduler.done(first)
    scheduler.finished("high", Outcome.PASSED)
    taken = []
    while (step := scheduler.take()) is not None:
        taken.append(step.node.id)
        assert scheduler.done(step)
        scheduler.finished(step.node.id, Outcome.PASSED)
    # "late" became ready after "mid2" was queued: on a tie it comes after it, first come first
    assert taken == ["mid", "mid2", "low", "late"]


def test_a_node_released_while_others_wait_queues_behind_them_on_a_tie():
    plan = Plan()
    node(plan, "first", "x", ["1"])
    node(plan, "a", "x", ["2"])
    node(plan, "b", "x", ["3"])
    node(plan, "after-first", "x", ["4"], after=["first"])
    scheduler = Scheduler(plan, workers=1)
    step = scheduler.take()
    assert step is not None and step.node.id == "first"
    scheduler.done(step)
    scheduler.finished("first", Outcome.PASSED)
    order = []
    while (step := scheduler.take()) is not None:
        order.append(step.node.id)
        scheduler.done(step)
    assert order == ["a", "b", "after-first"]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_worker_limit_is_never_exceeded(tmp_path, workers):
    apps = {f"app{i}": [FakeTest(f"t{j}") for j in range(4)] for i in range(4)}
    runner = FakeRunner(apps)
    plan = Plan()
    for i in range(4):
        for j in range(4):
            after = [f"app{i}-{j - 1}"] if j % 2 else []
            node(plan, f"app{i}-{j}", f"app{i}", [f"t{j}"], after=after, priority=j % 3)
    executor = CountingExecutor(runner)
    heard, results = run_plan(tmp_path, runner, plan, workers=workers, executor=executor)
    assert executor.most == workers
    assert len(executor.started) == 16
    assert results.counts().passed == 16


def test_the_observer_hears_apps_and_nodes_in_order_around_their_results(tmp_path):
    runner = FakeRunner(
        {"a": [FakeTest("x", file="f.py")], "b": [FakeTest("y", ("failed", "passed"), file="g.py")]}
    )
    workflow = workflow_of(tmp_path, runner, workers=1)
    workflow = Workflow(
        applications=workflow.applications,
        execution=Execution(workers=1, retries=1),
        root=tmp_path,
    )
    heard = Heard()
    fake_session(workflow, runner, observer=heard).execute()
    assert heard.events == [
        ("app_start", "a"),
        ("node_start", "a-0"),
        ("result", "x", "passed"),
        ("node_finish", "a-0", "passed", ""),
        ("app_finish", "a", "1 passed"),
        ("app_start", "b"),
        ("node_start", "b-0"),  # its retry is a step of the same node: no second start
        ("result", "y", "flaky"),
        ("node_finish", "b-0", "passed", ""),
        ("app_finish", "b", "1 flaky"),
    ]


def test_a_node_whose_process_cannot_start_finishes_in_error(tmp_path):
    class Refusing(FakeExecutor):
        def start(self, command, scratch, tag):
            raise EnvironmentProblem("no room for a process")

    runner = FakeRunner({"a": [FakeTest("x")]})
    plan = Plan()
    node(plan, "a-0", "a", ["x"])
    node(plan, "a-1", "a", ["x2"], after=["a-0"])
    heard, results = run_plan(tmp_path, runner, plan, executor=Refusing(runner))
    assert ("node_finish", "a-0", "error", "1 of its 1 tests error") in heard.events
    assert outcome_of(results, "a", "x2") == ("blocked", "blocked: dependency a-0 error")
