"""A fake test framework and executor that cooperate in memory, for unit tests of the run use case.

Each ``FakeTest`` scripts what happens on each attempt (pass, fail, hang, crash the process), so the
core's retries, timeouts, crashes and resume can be tested without processes, in milliseconds.
A test run as a flow step publishes its ``publishes`` to ``$ORCH_OUTPUTS`` as any framework may,
and the runner keeps the ``$ORCH_INPUTS`` each process was given (``inputs``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from attrs import define, field, frozen

from orch.ports import (
    Application,
    Command,
    CoverageMap,
    Outcome,
    Process,
    ResourceUse,
    Shard,
    ShardExit,
    TestCase,
    TestResult,
    TestStarted,
)

HANG = "hang"
HANG_ONCE = "hang-once"
"""Hangs (until killed) the first time a process runs it, passes every later time."""
CRASH = "crash"


@frozen
class FakeTest:
    """A scripted test: ``script[i]`` is what attempt i+1 does (the last entry repeats)."""

    __test__ = False

    nodeid: str
    script: tuple[str, ...] = ("passed",)
    duration: float = 0.01
    file: str = ""
    publishes: Mapping[str, object] | None = field(default=None, hash=False)
    """Written to ``$ORCH_OUTPUTS`` when it passes in a flow step."""

    def behaviour(self, attempt: int) -> str:
        return self.script[min(attempt, len(self.script)) - 1]


@frozen
class FakeSettings:
    """The fake runner takes no settings."""


@define
class _Channel:
    events: list = field(factory=list)


class FakeStream:
    """Returns what the fake process has emitted since the last read."""

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel

    def read(self) -> list:
        events, self.channel.events = self.channel.events, []
        return events


class FakeRunner:
    """A TestRunner over ``FakeTest`` scripts, keyed by application name."""

    __test__ = False

    PLUGIN_NAME: ClassVar[str] = "fake"
    Settings: ClassVar[type] = FakeSettings
    selects_tests: ClassVar[bool] = True

    def __init__(self, tests: dict[str, Iterable[FakeTest]], waits_for_input: bool = False) -> None:
        """``waits_for_input``: its processes may be started held (``FakeExecutor.start_held``)."""
        self.waits_for_input = waits_for_input
        self.tests = {app: {t.nodeid: t for t in scripted} for app, scripted in tests.items()}
        self.channels: dict[Path, _Channel] = {}
        self.discovered: list[str] = []
        self.commands: list[tuple[str, ...]] = []
        self.envs: list[dict[str, str]] = []
        """The ``env`` of the application each command was made for, in order."""
        self.hung: set[tuple[str, str]] = set()
        self.inputs: list[tuple[str, dict]] = []
        """``(nodeid, the values in $ORCH_INPUTS)`` of each flow step's process, in order."""

    def scripts(self, app: str) -> dict[str, FakeTest]:
        """The scripted tests of ``app``; a matrix phase's variant (``app[db=14]``) runs those
        of the application it is a variant of, its results its own."""
        return self.tests.get(app) or self.tests[app.split("[", 1)[0]]

    def discover(self, app: Application) -> list[TestCase]:
        self.discovered.append(app.name)
        return [
            TestCase(app.name, t.nodeid, t.file or t.nodeid.split("::")[0])
            for t in self.tests.get(app.name, {}).values()
        ]

    def command(self, app: Application, shard: Shard, scratch: Path) -> Command:
        self.channels[scratch] = _Channel()
        self.commands.append(shard.nodeids)
        self.envs.append(dict(app.env))
        if "ORCH_INPUTS" in app.env:
            with open(app.env["ORCH_INPUTS"], encoding="utf-8") as given:
                self.inputs.append((" ".join(shard.nodeids), json.load(given)))
        argv = ("fake", app.name, str(shard.attempt), *shard.nodeids)
        return Command(argv=argv, cwd=scratch, env=dict(app.env))

    def events(self, app: Application, shard: Shard, scratch: Path) -> FakeStream:
        return FakeStream(self.channels[scratch])

    def finish(
        self, app: Application, shard: Shard, scratch: Path, exit: ShardExit
    ) -> list[TestResult]:
        return []

    def coverage(self, app: Application, shard: Shard, scratch: Path) -> CoverageMap | None:
        """None: fake tests execute no code to measure."""
        return None


class FakeProcess:
    """Runs its tests on the first poll, up to a test that hangs (until killed) or crashes."""

    def __init__(self, runner: FakeRunner, command: Command) -> None:
        self.command = command
        _, self.app, attempt, *self.nodeids = command.argv
        self.attempt = int(attempt)
        self.runner = runner
        self.channel = runner.channels[command.cwd]
        self.pid = 4242
        self.returncode: int | None = None
        self.hanging = False
        self.killed = False
        self.held = False

    def release(self) -> None:
        """A held process goes on: its tests run at the next poll."""
        self.held = False

    def poll(self) -> int | None:
        if self.returncode is not None or self.hanging or self.held:
            return self.returncode
        tests = self.runner.scripts(self.app)
        for nodeid in self.nodeids:
            test = tests[nodeid]
            self.channel.events.append(TestStarted(self.app, nodeid))
            behaviour = test.behaviour(self.attempt)
            if behaviour == HANG_ONCE:
                once = (self.app, nodeid) not in self.runner.hung
                self.runner.hung.add((self.app, nodeid))
                behaviour = HANG if once else "passed"
            if behaviour == HANG:
                self.hanging = True
                return None
            if behaviour == CRASH:
                self.returncode = -11
                return self.returncode
            outputs = self.command.env.get("ORCH_OUTPUTS")
            if outputs and test.publishes is not None and behaviour == "passed":
                with open(outputs, "w", encoding="utf-8") as published:
                    json.dump(test.publishes, published)
            self.channel.events.append(
                TestResult(
                    self.app,
                    nodeid,
                    Outcome(behaviour),
                    duration=test.duration,
                    message=f"{behaviour} on attempt {self.attempt}",
                    file=test.file,
                )
            )
        self.returncode = 0
        return self.returncode

    def kill(self) -> None:
        self.killed = True
        self.hanging = False
        if self.returncode is None:
            self.returncode = -9

    def output_tail(self) -> str:
        return "Segmentation fault" if self.returncode == -11 else ""

    def output(self) -> str:
        """All it printed: no more than its tail."""
        return self.output_tail()

    def usage(self) -> ResourceUse | None:
        """Once ended: the durations of the tests it ran as CPU time, 1 MiB per test as memory."""
        if self.returncode is None:
            return None
        ran = [self.runner.scripts(self.app)[nodeid] for nodeid in self.nodeids]
        return ResourceUse(sum(test.duration for test in ran), len(ran) * 2**20)


class FakeExecutor:
    """An Executor whose processes are ``FakeProcess``es of a ``FakeRunner``."""

    PLUGIN_NAME: ClassVar[str] = "fake"

    def __init__(self, runner: FakeRunner) -> None:
        self.runner = runner
        self.started: list[FakeProcess] = []
        self.held: list[FakeProcess] = []
        """The processes started held, in order (each is in ``started`` too)."""
        self.reaped: list[str] = []

    def start(self, command: Command, scratch: Path, tag: str) -> FakeProcess:
        process = FakeProcess(self.runner, command)
        self.started.append(process)
        return process

    def start_held(self, command: Command, scratch: Path, tag: str) -> FakeProcess:
        """A process that runs nothing until released (``Holds``)."""
        process = self.start(command, scratch, tag)
        process.held = True
        self.held.append(process)
        return process

    def wait(self, processes: Sequence[Process], timeout: float) -> None:
        """Fake processes advance when polled: there is nothing to wait for."""

    def reap(self, tag: str) -> int:
        self.reaped.append(tag)
        return 0


class FakeClock:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float = 0.5) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now
