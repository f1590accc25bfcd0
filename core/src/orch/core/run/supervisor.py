"""Running shards as processes: start them, pump their events, enforce the per-test and per-shard
timeouts (asking a hung test's process for its stacks before the kill), and see them end.

Everything happens on the run's one thread: ``pump`` looks at a shard without blocking, and the
run's loop waits on all running processes at once between looks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Container, Iterable
from pathlib import Path

from attrs import define, evolve, field

from orch.core.run.launcher import Launcher
from orch.core.run.plan import Step
from orch.core.run.recorder import Recorder
from orch.core.run.results import Results
from orch.core.workflow.model import Workflow
from orch.ports import (
    Application,
    EnvironmentProblem,
    Event,
    EventStream,
    Isolation,
    Measured,
    MissingProgram,
    NodeKind,
    Outcome,
    Process,
    RunningTest,
    Shard,
    ShardExit,
    ShardUsage,
    StackDumps,
    TestCase,
    TestResult,
    TestRunner,
    TestsCollected,
    TestStarted,
)

STACK_GRACE = 0.3
"""Seconds between asking a timed-out test's process for its stacks and killing it."""

ENVIRONMENT_DIED = "environment"
"""``killed_for`` of a shard killed because a service of its environment died."""


@define
class RunningShard:
    """A shard whose process is running: the tests it has not reported yet (``pending``), the
    one running now, and why orch is killing it, if it is."""

    step: Step
    app: Application
    runner: TestRunner
    process: Process
    stream: EventStream
    scratch: Path
    started: float
    pending: dict[str, TestCase]
    current: str | None = None
    current_since: float = 0.0
    current_wall: float = 0.0
    killed_for: str = ""
    dumping_since: float | None = None
    dumping_for: str | None = None
    resolved: int = 0
    retry: list[TestCase] = field(factory=list)
    isolation: Isolation = Isolation()
    reserved: tuple[int, ...] = ()
    """The CPUs it has to itself, given back when it ends."""
    collected: list[TestResult] = field(factory=list)
    """What a flow step's process reported: they make the step's one result when it ends."""

    @property
    def shard(self) -> Shard:
        return self.step.shard

    def listed(self, tests: Iterable[TestCase], finals: Container[tuple[str, str]]) -> int:
        """A shard of a whole app listed its tests: those without a final result are pending
        (so a crash or kill accounts for each) exactly as if discovery had listed them; how
        many are new."""
        new = [
            test
            for test in tests
            if (test.app, test.nodeid) not in finals and test.nodeid not in self.pending
        ]
        for test in new:
            self.pending[test.nodeid] = test
        return len(new)


@define
class Ended:
    """A shard whose process ended: how, and the runner's word on where its running test was."""

    shard: RunningShard
    exit: ShardExit
    detail: TestResult | None


def refused(results: Results, step: Step, shown: str) -> None:
    """The environment refused ``step``'s process: each of its tests is an error saying so."""
    shard = step.shard
    if step.node.kind is NodeKind.STEP:
        results.environment_failed(step.node, shard.tests, shown, "")
        return
    for test in shard.tests:
        error = TestResult(test.app, test.nodeid, Outcome.ERROR, message=shown)
        results.final(evolve(error, attempt=shard.attempt), step.node.id)


def shard_usage(running: RunningShard, seconds: float) -> ShardUsage:
    """What ``running``'s ended process was and used, as the results show it."""
    process, isolation = running.process, running.isolation
    return ShardUsage(
        running.step.node.id,
        running.app.name,
        running.shard.attempt,
        isolation.mode,
        running.app.test_type,
        isolation.cpus if running.reserved else (),
        seconds,
        process.usage() if isinstance(process, Measured) else None,
    )


def per_test_timeout(workflow: Workflow, app: Application) -> float | None:
    """The app's per-test limit in seconds; None or 0 means none."""
    return app.timeout if app.timeout is not None else workflow.execution.timeout


class Supervisor:
    """The run's shard processes, started by ``launcher`` (in ``state_dir/runs/RUN/``, each
    with its app's ``env`` and the addresses of its environment's services)."""

    def __init__(
        self, launcher: Launcher, clock: Callable[[], float], results: Results, recorder: Recorder
    ) -> None:
        self.launcher = launcher
        self.workflow = launcher.workflow
        self.runners = launcher.runners
        self.executor = launcher.executor
        self.clock = clock
        self.results = results
        self.recorder = recorder
        self.active: list[RunningShard] = []

    def hold(self, step: Step) -> None:
        """Start ``step``'s process ahead of its turn, held (``launcher``); ``start`` lets it go."""
        self.launcher.hold(step)

    def start(self, step: Step) -> bool:
        """Start ``step``'s process (or let its held one go on); False (its tests are errors)
        when the environment refused."""
        shard = step.shard
        try:
            app, scratch = self.launcher.prepared(step)
        except EnvironmentProblem as problem:  # its test data could not be had
            app = self.workflow.app(shard.app)
            refused(self.results, step, self.results.environment_problem(app, str(problem)))
            return False
        if self.results.steps is not None and step.node.kind is NodeKind.STEP:
            flow = self.results.steps.environment(step.node, scratch)  # its inputs, delivered
            app = evolve(app, env={**app.env, **flow})
        try:
            process, isolation, reserved = self.launcher.start(step, app, scratch)
        except EnvironmentProblem as problem:
            self.launcher.given_back(app, scratch)
            if isinstance(problem, MissingProgram):
                raise  # as in discovery: nothing of this app can run, the run stops with one line
            refused(self.results, step, self.results.environment_problem(app, str(problem)))
            return False
        runner = self.runners[app.runner]
        stream = runner.events(app, shard, scratch)
        pending = {test.nodeid: test for test in shard.tests}
        running = RunningShard(step, app, runner, process, stream, scratch, self.clock(), pending)
        self.active.append(evolve(running, isolation=isolation, reserved=reserved))
        return True

    def wait(self, seconds: float) -> None:
        """Until a running process ends, at most ``seconds``."""
        self.executor.wait([running.process for running in self.active], seconds)

    def pump(self, running: RunningShard) -> Ended | None:
        """Handle what ``running`` reported since the last look; when its process has ended,
        collect its last results (and coverage) and return how it ended."""
        for event in running.stream.read():
            self._on_event(running, event)
        returncode = running.process.poll()
        if returncode is None:
            self._enforce_timeouts(running)
            return None
        for event in running.stream.read():
            self._on_event(running, event)
        running.process.kill()  # whatever the tests left running dies with their shard
        exit = ShardExit.printed(returncode, running.process.output(), running.killed_for)
        detail = None
        for result in running.runner.finish(running.app, running.shard, running.scratch, exit):
            if result.nodeid == running.current and (returncode or running.killed_for):
                detail = result  # where the test was when its process ended
            else:
                self.results.reported(running, result)
        if running.shard.coverage:
            self._collect_coverage(running)
        self._ended(running)
        return Ended(running, exit, detail)

    def running_tests(self) -> list[RunningTest]:
        return [
            RunningTest(running.app.name, running.current, running.current_wall)
            for running in self.active
            if running.current is not None
        ]

    def stop_all(self) -> None:
        """Kill every shard process, running or held."""
        for running in list(self.active):
            running.process.kill()
            self._ended(running)
        self.launcher.kill_held()

    def _ended(self, running: RunningShard) -> None:  # its CPUs free, what it used recorded
        self.active.remove(running)
        self.launcher.placement.give_back(running.reserved)
        self.launcher.given_back(running.app, running.scratch)
        self.results.shards.append(shard_usage(running, self.clock() - running.started))

    def _on_event(self, running: RunningShard, event: Event) -> None:
        if isinstance(event, TestsCollected):
            self.results.plan(running.listed(event.tests, self.results.finals))
            self.recorder.changed = True
            return
        if isinstance(event, TestStarted):
            running.current = event.nodeid
            running.current_since = self.clock()
            running.current_wall = time.time()
            self.recorder.changed = True
            return
        if running.current == event.nodeid:
            running.current = None
        self.results.reported(running, event)

    def _enforce_timeouts(self, running: RunningShard) -> None:
        """Kill a shard whose test or whole run is over its limit, after asking for its stacks."""
        now = self.clock()
        if running.dumping_since is not None:
            if running.current != running.dumping_for:  # it finished after all: no kill
                running.dumping_since, running.dumping_for, running.killed_for = None, None, ""
            elif now - running.dumping_since >= STACK_GRACE:
                running.process.kill()
                return
            else:
                return
        limit = per_test_timeout(self.workflow, running.app)
        shard_limit = running.shard.timeout or self.workflow.execution.shard_timeout
        if running.current is not None and limit and now - running.current_since > limit:
            running.killed_for = "timeout"
        elif shard_limit and now - running.started > shard_limit:
            running.killed_for = "shard-timeout"
        else:
            return
        process = running.process
        if (
            running.current is not None
            and isinstance(process, StackDumps)
            and process.dump_stacks()
        ):
            running.dumping_since, running.dumping_for = now, running.current
            return
        process.kill()

    def _collect_coverage(self, running: RunningShard) -> None:
        try:
            recorded = running.runner.coverage(running.app, running.shard, running.scratch)
        except EnvironmentProblem as problem:
            self.results.problem(str(problem))  # it may quote what the test process said
            return
        if recorded is not None:
            self.recorder.merge_coverage(running.app.name, recorded)
