"""Small pytest projects for the adapter tests, and running a shard the way an executor would."""

from __future__ import annotations

import textwrap
from pathlib import Path

from attrs import frozen

from orch.adapters.pytest.runner import PytestRunner
from orch.ports import Application, Command, Event, Shard, ShardExit, TestResult
from orch.testing.contracts import run_command


def write_app(root: Path, files: dict[str, str], **fields) -> Application:
    """Write ``files`` (dedented) under ``root`` and describe it as an orch application."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    return Application(name=fields.pop("name", root.name), path=root, runner="pytest", **fields)


@frozen
class Ran:
    """What running one shard produced: its command, streamed events, finish's results, exit."""

    command: Command
    events: list[Event]
    finished: list[TestResult]
    exit: ShardExit

    @property
    def results(self) -> dict[str, TestResult]:
        every = [e for e in self.events if isinstance(e, TestResult)] + self.finished
        return {result.nodeid: result for result in every}


def run_shard(runner: PytestRunner, app: Application, shard: Shard, scratch: Path) -> Ran:
    """Run the shard's command as an executor would, then read its events and finish it."""
    command = runner.command(app, shard, scratch)
    stream = runner.events(app, shard, scratch)
    assert stream.read() == []
    exit = run_command(command)
    events = stream.read()
    return Ran(command, events, runner.finish(app, shard, scratch, exit), exit)
