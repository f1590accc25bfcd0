"""The run use case: discover, shard, execute with N workers, time out, retry, persist, summarise.

Everything happens on one thread in a polling loop: it starts shards while workers are free, reads
each shard's new events, kills shards whose current test or whole shard ran too long, settles shards
that ended (crash, timeout, or normal exit) and writes each batch of results to the store in one
transaction. Ports are passed in (see ``orch.core.bootstrap``), so it runs the same with fakes.
"""

from __future__ import annotations

import heapq
import itertools
import os
import signal
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from attrs import define, evolve, field

from orch.core.run.lock import RunLock
from orch.core.run.observer import RunObserver, Silent
from orch.core.run.shards import expected_seconds, shard_count, shard_tests
from orch.core.select.selection import Selection
from orch.core.shared.outcomes import RETRYABLE, ExitCode, count, exit_code
from orch.core.shared.output_limits import cut, keep_output
from orch.core.shared.redaction import redactor_for, remove_raw_output
from orch.core.workflow.model import Workflow
from orch.ports import (
    Application,
    ConfigError,
    CoverageMap,
    EnvironmentProblem,
    Event,
    EventStream,
    Executor,
    MissingProgram,
    Outcome,
    Process,
    Progress,
    RunningTest,
    RunRecord,
    Shard,
    ShardExit,
    StackDumps,
    Store,
    StoreProblem,
    TestCase,
    TestResult,
    TestRunner,
    TestsCollected,
    TestStarted,
)
from orch.ports.run import RunResult

POLL_SECONDS = 0.02
STACK_GRACE = 0.3
"""Seconds between asking a timed-out test's process for its stacks and killing it."""
FLUSH_SECONDS = 0.25
"""How often results are written to the store and the display refreshed while a run goes on."""
QUIET_REPORT_SECONDS = 1.0
"""The observer hears at least this often even when nothing changed, so it can tell how long the
running tests have been running (a log's heartbeat)."""


@define
class _Active:
    """A shard whose process is running."""

    app: Application
    runner: TestRunner
    shard: Shard
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


def new_run_id() -> str:
    """Sortable and unique enough for one machine: time plus a few random hex digits."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + os.urandom(2).hex()


class RunSession:
    """One execution of a workflow against a store; ``resume`` continues a killed run."""

    def __init__(
        self,
        workflow: Workflow,
        *,
        runners: Mapping[str, TestRunner],
        executor: Executor,
        store: Store,
        state_dir: Path,
        observer: RunObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        commit: str = "",
        spec: str = "",
        poll_seconds: float = POLL_SECONDS,
        selection: Selection | None = None,
        coverage_stale: dict[str, tuple[str, ...]] | None = None,
        app_commits: dict[str, str] | None = None,
        keep_raw_output: bool = False,
    ) -> None:
        """``selection`` narrows each application to its selected tests, in risk order;
        ``coverage_stale`` (files that differ from the commit, per app) turns on recording of
        per-test coverage, saved to the store when the run ends, under each application's own
        commit (``app_commits``, default ``commit``): applications may live in their own
        repositories. Results are redacted as they arrive (``orch.core.shared.redaction``); the
        shards' raw output files in ``.orch/runs/RUN/`` are removed at the end unless
        ``keep_raw_output``."""
        self.workflow = workflow
        self.runners = runners
        self.executor = executor
        self.store = store
        self.state_dir = state_dir
        self.observer = observer or Silent()
        self.clock = clock
        self.commit = commit
        self.spec = spec
        self.poll_seconds = poll_seconds
        self.selection = selection
        self.coverage_stale = coverage_stale
        self.app_commits = app_commits or {}
        self.keep_raw_output = keep_raw_output
        self.redactor = redactor_for(workflow)
        self.coverage: dict[str, dict[str, dict[str, tuple[int, ...]]]] = {}
        self.queue: list[tuple[int, int, Shard]] = []
        self.sequence = itertools.count()
        self.active: list[_Active] = []
        self.finals: dict[tuple[str, str], TestResult] = {}
        self.first_failure: dict[tuple[str, str], TestResult] = {}
        self.planned = 0
        self.problems: list[str] = []
        self.environment_problems = 0
        self._batch = _Batch()
        self._changed = True
        self._flushed_at = float("-inf")
        self._reported_at = float("-inf")
        self._running_written: set[tuple[str, str]] = set()
        self.unstored = ""

    # -- public --------------------------------------------------------------------------------

    def execute(self, resume: str | None = None) -> RunResult:
        """Run (or resume) the workflow; results are persisted as they arrive."""
        began = time.monotonic()
        reap_dead_runs(self.store, self.executor, self.state_dir)
        run_id = resume or new_run_id()
        lock = RunLock(self.state_dir, run_id)
        if resume:
            record = self._load_previous(resume, lock)
        else:
            lock.acquire()
            record = RunRecord(
                id=run_id,
                workflow=self.workflow.source or str(self.workflow.root),
                commit=self.commit,
                started_at=time.time(),
                pid=os.getpid(),
                spec=self.spec,
            )
            self.store.create_run(record)
        self.run_id = run_id
        status = "interrupted"
        try:
            self._plan(resume is not None)
            self._loop()
            self._save_coverage()
            status = "finished"
        except KeyboardInterrupt:
            pass  # Ctrl-C: the run stays interrupted; what ran is kept, the rest runs on resume
        except MissingProgram:
            status = "interrupted" if resume else "finished"  # a resumed run stays resumable
            self.environment_problems += 1
            raise
        finally:
            self._stop_all()
            self.executor.reap(f"{run_id}/")  # anything a shard left that its own kill missed
            if not self.keep_raw_output:
                remove_raw_output(self.state_dir / "runs" / run_id)
            self._flush(force=True)
            results = tuple(self.finals.values())
            counts = count(results, self.planned)
            code = exit_code(counts, self.environment_problems)
            if status == "interrupted":
                code = ExitCode.INTERRUPTED
            ended = {
                "ended_at": time.time(),
                "exit_code": int(code) if status == "finished" else None,
                "status": status,
            }
            self._store(self.store.update_run, run_id, **ended)
            lock.release()
        result = RunResult(
            run_id,
            results,
            counts,
            code,
            time.monotonic() - began,
            tuple(self.problems),
            interrupted=status == "interrupted",
            record=evolve(record, **ended),
        )
        return result.not_stored(self.unstored) if self.unstored else result

    def _store(self, write: Callable[..., object], *args, **changes) -> None:
        """Write to the store unless it failed earlier in this run: a store that fails mid-way
        costs the run its record, never its results (the reports get them all)."""
        if self.unstored:
            return
        try:
            write(*args, **changes)
        except StoreProblem as problem:
            self.unstored = str(problem)
        except KeyError:
            self.unstored = (
                f"the store no longer holds run {self.run_id} (was it replaced while the run "
                "went on?); run again to record one"
            )

    # -- planning ------------------------------------------------------------------------------

    def _load_previous(self, run_id: str, lock: RunLock) -> RunRecord:
        record = self.store.get_run(run_id)
        if record is None:
            raise ConfigError(f"no run '{run_id}' in {self.state_dir} (see `orch runs`)")
        if record.status == "finished":
            raise ConfigError(
                f"run {run_id} finished (exit code {record.exit_code}); only an interrupted run "
                "can be resumed: start a new one with `orch run`"
            )
        if not lock.acquire(wait=False):
            raise ConfigError(f"run {run_id} is still running (pid {record.pid}); stop it first")
        if record.commit and self.commit and record.commit != self.commit:
            self.problems.append(
                f"run {run_id} started at commit {record.commit[:12]} and was resumed at "
                f"{self.commit[:12]}: its results mix both"
            )
        for result in self.store.final_results(run_id):
            self.finals[(result.app, result.nodeid)] = result
        self.store.update_run(run_id, status="running", pid=os.getpid(), ended_at=None)
        return evolve(record, pid=os.getpid())

    def _plan(self, resuming: bool) -> None:
        apps = [app for app in self.workflow.applications if not self._untouched(app)]
        workers = self.workflow.execution.workers
        history = {app.name: self.store.durations(app.name) for app in apps}
        whole = {app.name for app in apps if self._runs_whole(app, history[app.name], resuming)}
        listed = [app for app in apps if app.name not in whole]
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(listed)))) as pool:
            found = dict(
                zip((app.name for app in listed), pool.map(self._discover, listed), strict=True)
            )
        last_attempt = self._last_attempts() if resuming else {}
        for app in apps:
            if app.name in whole:
                coverage = self.coverage_stale is not None
                parts = 1 if history[app.name] else max(1, workers // len(apps))
                for index in range(parts):
                    share = Shard(app.name, (), f"{app.name}-{index}", coverage=coverage)
                    self._push(app, evolve(share, partition=(index, parts)))
                continue
            tests = found[app.name]
            if tests is None:
                continue
            runner = self.runners[app.runner]
            if not runner.selects_tests:
                if not any(key[0] == app.name for key in self.finals):
                    self._push(app, Shard(app.name, (), key=f"{app.name}-0"))
                    self.planned += 1
                continue
            tests = self._selected(app, tests)
            todo = [t for t in tests if (t.app, t.nodeid) not in self.finals]
            self.planned += len(todo)
            by_attempt: dict[int, list[TestCase]] = {}
            for test in todo:
                by_attempt.setdefault(last_attempt.get((app.name, test.nodeid), 0) + 1, []).append(
                    test
                )
            durations = history[app.name]
            for attempt, batch in sorted(by_attempt.items()):
                for index, tests_of_shard in enumerate(shard_tests(batch, workers, durations)):
                    key = (
                        f"{app.name}-{index}" if attempt == 1 else f"{app.name}-r{attempt}-{index}"
                    )
                    self._push(
                        app,
                        Shard(
                            app.name,
                            tuple(tests_of_shard),
                            key,
                            attempt,
                            coverage=self.coverage_stale is not None,
                        ),
                    )
        self.planned += len(self.finals)
        self._batch.planned = self.planned

    def _untouched(self, app: Application) -> bool:
        """Whether the selection gave ``app`` nothing to run: it is not even discovered."""
        return self.selection is not None and self.selection.wanted(app.name) == {}

    def _runs_whole(self, app: Application, durations: Mapping[str, float], resuming: bool) -> bool:
        """Whether ``app`` runs as one shard that discovers and runs its tests in one process.

        Only when nothing needs the test list first (no resume, no selection or --lf narrowing
        it) and it would be one shard anyway (its recorded time is worth no second process
        start-up), or it has no history: then ``_plan`` splits it into shares over the workers the
        other applications leave, each process collecting it all and running its share, as
        pytest-xdist does.
        """
        runner = self.runners.get(app.runner)
        if runner is None or not getattr(runner, "runs_unlisted", False) or resuming:
            return False
        if app.test_filter.tests:
            return False  # --lf keeps listed tests only: the list must come first
        if self.selection is not None and self.selection.wanted(app.name) is not None:
            return False
        if durations:
            return shard_count(expected_seconds(durations), self.workflow.execution.workers) == 1
        return True

    def _on_collected(self, active: _Active, event: TestsCollected) -> None:
        """A shard of a whole app listed its tests: they are planned, and pending in that shard
        (so a crash or kill accounts for each) exactly as if discovery had listed them."""
        new = [
            test
            for test in event.tests
            if (test.app, test.nodeid) not in self.finals and test.nodeid not in active.pending
        ]
        for test in new:
            active.pending[test.nodeid] = test
        self.planned += len(new)
        self._batch.planned = self.planned
        self._changed = True

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
            return [test for test in runner.discover(app) if app.test_filter.keeps(test.nodeid)]
        except MissingProgram:
            raise  # nothing of this app can run: the run stops with that one line
        except EnvironmentProblem as problem:
            self._environment_problem(app, str(problem))
            return None

    def _last_attempts(self) -> dict[tuple[str, str], int]:
        last: dict[tuple[str, str], int] = {}
        for attempt in self.store.attempts(self.run_id):
            key = (attempt.app, attempt.nodeid)
            last[key] = max(last.get(key, 0), attempt.attempt)
            if attempt.outcome in RETRYABLE:
                self.first_failure.setdefault(key, attempt)
        return last

    def _push(self, app: Application, shard: Shard) -> None:
        shard = evolve(shard, priority=app.priority, output=self.workflow.execution.output)
        heapq.heappush(self.queue, (-app.priority, next(self.sequence), shard))

    def _environment_problem(self, app: Application, message: str) -> str:
        """Count and record ``message`` as the app's error; returns it as shown (cut to the
        output limits and redacted: it may quote what collection printed)."""
        message = self.redactor.text(cut(message, self.workflow.execution.output))
        self.environment_problems += 1
        self.problems.append(message)
        self._final(
            TestResult(app=app.name, nodeid=app.name, outcome=Outcome.ERROR, message=message)
        )
        return message

    # -- the loop ------------------------------------------------------------------------------

    def _loop(self) -> None:
        """Start shards while workers are free; between looks at them, wait for one to end.

        A free worker gets its next shard before the batch is written to the store: with many
        small applications that write is on every application's critical path otherwise.
        """
        self._launch()
        while self.queue or self.active:
            self.executor.wait([active.process for active in self.active], self.poll_seconds)
            for active in list(self.active):
                self._pump(active)
            self._launch()
            self._flush()

    def _launch(self) -> None:
        while self.queue and len(self.active) < self.workflow.execution.workers:
            _, _, shard = heapq.heappop(self.queue)
            app = self.workflow.app(shard.app)
            runner = self.runners[app.runner]
            scratch = self.state_dir / "runs" / self.run_id / f"{shard.key}-a{shard.attempt}"
            scratch.mkdir(parents=True, exist_ok=True)
            try:
                command = runner.command(app, shard, scratch)
                passenv = (*command.passenv, *app.passenv)
                command = evolve(command, passenv=passenv, output=shard.output)
                process = self.executor.start(
                    command, scratch, tag=f"{self.run_id}/{scratch.name}/"
                )
            except MissingProgram:
                raise  # as in discovery: nothing of this app can run, the run stops with one line
            except EnvironmentProblem as problem:
                shown = self._environment_problem(app, str(problem))
                for test in shard.tests:
                    self._final(_error(test.app, test.nodeid, shown, shard.attempt))
                continue
            stream = runner.events(app, shard, scratch)
            pending = {test.nodeid: test for test in shard.tests}
            self.active.append(
                _Active(app, runner, shard, process, stream, scratch, self.clock(), pending)
            )

    def _pump(self, active: _Active) -> None:
        for event in active.stream.read():
            self._on_event(active, event)
        returncode = active.process.poll()
        if returncode is None:
            self._enforce_timeouts(active)
            return
        for event in active.stream.read():
            self._on_event(active, event)
        active.process.kill()  # whatever the tests left running dies with their shard
        exit = ShardExit(returncode, active.killed_for, active.process.output_tail())
        detail = None
        for result in active.runner.finish(active.app, active.shard, active.scratch, exit):
            if result.nodeid == active.current and (returncode or active.killed_for):
                detail = result  # where the test was when its process ended
            else:
                self._on_result(active, result)
        if active.shard.coverage:
            self._collect_coverage(active)
        self.active.remove(active)
        self._settle(active, exit, detail)
        self._changed = True

    def _enforce_timeouts(self, active: _Active) -> None:
        """Kill a shard whose test or whole run is over its limit, after asking for its stacks."""
        now = self.clock()
        if active.dumping_since is not None:
            if active.current != active.dumping_for:  # it finished after all: no kill
                active.dumping_since, active.dumping_for, active.killed_for = None, None, ""
            elif now - active.dumping_since >= STACK_GRACE:
                active.process.kill()
                return
            else:
                return
        limit = self._timeout(active.app)
        shard_limit = self.workflow.execution.shard_timeout
        if active.current is not None and limit and now - active.current_since > limit:
            active.killed_for = "timeout"
        elif shard_limit and now - active.started > shard_limit:
            active.killed_for = "shard-timeout"
        else:
            return
        process = active.process
        if active.current is not None and isinstance(process, StackDumps) and process.dump_stacks():
            active.dumping_since, active.dumping_for = now, active.current
            return
        process.kill()

    def _timeout(self, app: Application) -> float | None:
        """The app's per-test limit in seconds; None or 0 means none."""
        return _first(app.timeout, self.workflow.execution.timeout)

    def _on_event(self, active: _Active, event: Event) -> None:
        if isinstance(event, TestsCollected):
            self._on_collected(active, event)
            return
        if isinstance(event, TestStarted):
            active.current = event.nodeid
            active.current_since = self.clock()
            active.current_wall = time.time()
            self._changed = True
            return
        if active.current == event.nodeid:
            active.current = None
        self._on_result(active, event)

    def _on_result(self, active: _Active, result: TestResult) -> None:
        result = keep_output(result, self.workflow.execution.output)
        key = (result.app, result.nodeid)
        if (
            not active.runner.selects_tests
            and active.shard.tests
            and result.nodeid not in active.pending
        ):
            return  # a whole-app rerun: only the tests being retried count
        if key in self.finals:
            return  # never record a test twice
        if active.pending.pop(result.nodeid, None) is not None:
            active.resolved += 1
        result = self.redactor.result(evolve(result, attempt=active.shard.attempt))
        self._changed = True
        if result.outcome in RETRYABLE:
            self.first_failure.setdefault(key, result)
            if self._retries(active.app, result):
                self._batch.attempts.append(result)
                active.retry.append(
                    TestCase(result.app, result.nodeid, result.file, result.markers)
                )
                return
        elif result.outcome is Outcome.PASSED and key in self.first_failure:
            first = self.first_failure[key]
            result = evolve(
                result,
                outcome=Outcome.FLAKY,
                message=f"passed on attempt {result.attempt}; "
                f"attempt 1 {first.outcome.value}: {first.message}",
                longrepr=first.longrepr,
            )
        self._final(result)

    def _retries(self, app: Application, result: TestResult) -> bool:
        """Whether this failed attempt gets another: retries left, and not a timeout if the
        workflow says ``retry_timeouts: false`` (a hang usually hangs again, at full cost)."""
        execution = self.workflow.execution
        if result.outcome is Outcome.TIMEOUT and not _first(
            app.retry_timeouts, execution.retry_timeouts
        ):
            return False
        return result.attempt <= _first(app.retries, execution.retries)

    def _final(self, result: TestResult) -> None:
        key = (result.app, result.nodeid)
        if key in self.finals:
            return
        self.finals[key] = result
        self._batch.finals.append(result)
        if result.outcome in (Outcome.PASSED, Outcome.FLAKY):
            self._batch.durations[key] = result.duration
        self.planned = max(self.planned, len(self.finals))
        self.observer.result(result)
        self._changed = True

    def _settle(self, active: _Active, exit: ShardExit, detail: TestResult | None) -> None:
        """Give every test of an ended shard an outcome, or put it back in the queue.

        ``detail`` is the runner's word on where the running test was when its process ended.
        """
        why = describe_exit(exit)
        current = active.current
        if current is not None and current in active.pending:
            test = active.pending[current]
            where = f" at {detail.message}" if detail is not None and detail.message else ""
            if exit.killed_for == "timeout":
                outcome, message = (
                    Outcome.TIMEOUT,
                    f"exceeded the per-test timeout of {self._timeout(active.app):g}s{where}; "
                    "orch killed its process tree",
                )
            elif exit.killed_for == "shard-timeout":
                outcome, message = Outcome.TIMEOUT, _shard_timeout(self.workflow) + where
            else:
                if where:
                    why = describe_exit(exit, last_line=False)
                outcome, message = (
                    Outcome.ERROR,
                    f"test process died while running this test ({why}){where}",
                )
            self._on_result(
                active,
                TestResult(
                    test.app,
                    test.nodeid,
                    outcome,
                    duration=self.clock() - active.current_since,
                    message=message,
                    longrepr=detail.longrepr if detail is not None else exit.output_tail,
                    file=test.file,
                ),
            )
        rest = list(active.pending.values())
        if rest and exit.killed_for == "shard-timeout":
            for test in rest:
                self._on_result(
                    active,
                    TestResult(
                        test.app,
                        test.nodeid,
                        Outcome.TIMEOUT,
                        message=_shard_timeout(self.workflow),
                        file=test.file,
                    ),
                )
        elif rest and active.resolved:
            # progress was made, so the remainder is strictly smaller: run it again
            remainder = evolve(active.shard, tests=tuple(rest), key=active.shard.key + "+")
            self._push(active.app, evolve(remainder, partition=(0, 1)))  # listed: no share
        elif rest:
            for test in rest:
                self._on_result(
                    active,
                    _error(
                        test.app,
                        test.nodeid,
                        f"shard ended before this test ran ({why})",
                        active.shard.attempt,
                        exit.output_tail,
                    ),
                )
        if active.retry:
            shard = active.shard
            self._push(
                active.app,
                Shard(
                    shard.app,
                    tuple(active.retry),
                    f"{shard.app}-r{shard.attempt + 1}-{next(self.sequence)}",
                    shard.attempt + 1,
                ),
            )

    def _collect_coverage(self, active: _Active) -> None:
        try:
            recorded = active.runner.coverage(active.app, active.shard, active.scratch)
        except EnvironmentProblem as problem:
            shown = self.redactor.text(str(problem))  # it may quote what the test process said
            if shown not in self.problems:
                self.problems.append(shown)
            return
        if recorded is None:
            return
        merged = self.coverage.setdefault(active.app.name, {})
        for file, tests in recorded.lines.items():
            merged.setdefault(file, {}).update(tests)

    def _save_coverage(self) -> None:
        if self.coverage_stale is None:
            return
        for app, lines in self.coverage.items():
            self._store(
                self.store.save_coverage,
                CoverageMap(
                    app=app,
                    commit=self.app_commits.get(app, self.commit),
                    lines=lines,
                    stale=self.coverage_stale.get(app, ()),
                    recorded_at=time.time(),
                ),
            )

    def _flush(self, force: bool = False) -> None:
        """Write what happened since the last flush in one transaction, a few times a second."""
        now = self.clock()
        if not force and now - self._flushed_at < FLUSH_SECONDS:
            return
        self._flushed_at = now
        running = {(a.app.name, a.current): a for a in self.active if a.current is not None}
        batch = self._batch
        batch.started = [
            RunningTest(app, nodeid, running[(app, nodeid)].current_wall)
            for app, nodeid in running.keys() - self._running_written
        ]
        batch.finished = list(self._running_written - running.keys())
        self._running_written = set(running)
        if not batch.empty():
            self._store(self.store.record, self.run_id, batch.progress())
            self._batch = _Batch()
        if self._changed or now - self._reported_at >= QUIET_REPORT_SECONDS:
            self._reported_at = now
            self._report_progress()

    def _report_progress(self) -> None:
        running = [
            RunningTest(a.app.name, a.current, a.current_wall)
            for a in self.active
            if a.current is not None
        ]
        self.observer.progress(count(self.finals.values(), self.planned, len(running)), running)
        self._changed = False

    def _stop_all(self) -> None:
        for active in self.active:
            active.process.kill()
        self.active.clear()


@define
class _Batch:
    """What happened since the last flush, written to the store in one transaction."""

    attempts: list[TestResult] = field(factory=list)
    finals: list[TestResult] = field(factory=list)
    started: list[RunningTest] = field(factory=list)
    finished: list[tuple[str, str]] = field(factory=list)
    durations: dict[tuple[str, str], float] = field(factory=dict)
    planned: int | None = None

    def empty(self) -> bool:
        return not (
            self.attempts
            or self.finals
            or self.started
            or self.finished
            or self.planned is not None
        )

    def progress(self) -> Progress:
        return Progress(
            attempts=self.attempts,
            finals=self.finals,
            started=self.started,
            finished=self.finished,
            planned=self.planned,
            durations=self.durations,
        )


def reap_dead_runs(store: Store, executor: Executor, state_dir: Path) -> list[str]:
    """Find runs whose orchestrator died, kill what they left running, and mark them interrupted."""
    reaped = []
    for record in store.list_runs(limit=50):
        if record.status != "running":
            continue
        lock = RunLock(state_dir, record.id)
        if not lock.acquire(wait=False):
            continue  # its orchestrator is alive
        try:
            executor.reap(f"{record.id}/")
            store.update_run(record.id, status="interrupted")
            reaped.append(record.id)
        finally:
            lock.release()
    return reaped


def describe_exit(exit: ShardExit, last_line: bool = True) -> str:
    """``exit code 3`` or ``killed by SIGSEGV``, plus (``last_line``) the last line it printed."""
    if exit.returncode < 0:
        try:
            name = signal.Signals(-exit.returncode).name
        except ValueError:
            name = f"signal {-exit.returncode}"
        text = f"killed by {name}"
    else:
        text = f"exit code {exit.returncode}"
    if not last_line:
        return text
    last = next((line for line in reversed(exit.output_tail.splitlines()) if line.strip()), "")
    return f"{text}: {last.strip()[:200]}" if last else text


def _error(app: str, nodeid: str, message: str, attempt: int = 1, longrepr: str = "") -> TestResult:
    return TestResult(
        app, nodeid, Outcome.ERROR, message=message, attempt=attempt, longrepr=longrepr
    )


def _shard_timeout(workflow: Workflow) -> str:
    return (
        f"shard exceeded its timeout of {workflow.execution.shard_timeout:g}s; "
        "orch killed its process tree"
    )


def _first(*values):
    return next((value for value in values if value is not None), None)
