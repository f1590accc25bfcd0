"""Live status of a running run: a rich display on a terminal, plain periodic lines otherwise.

Both are plugins on the lifecycle hooks (``orch_progress``, ``orch_test_result``), registered
for the run like any other reporter: ``Engine.execute(plugins=[display])``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

import click

from orch.cli.text import first_line, safe
from orch.ports import Counts, RunningTest, TestResult, hookimpl

PLAIN_INTERVAL = 5.0


def status_line(counts: Counts) -> str:
    """``queued 10 · running 2 · passed 85 · failed 3`` with the states every user looks for."""
    shown = ("queued", "running", "passed", "failed", "error", "skipped")
    extra = [k for k, v in counts.as_dict().items() if v and k not in shown]
    return " · ".join(f"{k} {getattr(counts, k)}" for k in (*shown, *extra))


class LiveDisplay:
    """A plugin that keeps a one-screen summary up to date while the run goes on.

    rich is imported here, not at module level: commands that draw nothing should not pay for it.
    """

    def __init__(self) -> None:
        from rich.console import Console
        from rich.live import Live

        self.live = Live(console=Console(stderr=True), refresh_per_second=8, transient=True)

    def __enter__(self) -> LiveDisplay:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.__exit__(*exc)

    @hookimpl
    def orch_progress(self, counts: Counts, running: Sequence[RunningTest]) -> None:
        from rich.text import Text

        text = Text(status_line(counts), style="bold")
        now = time.time()
        for test in running[:8]:
            text.append(f"\n  running {safe(test.app)}::{safe(test.nodeid)}")
            text.append(f"  {max(now - test.started_at, 0):.0f}s", style="dim")
        self.live.update(text)

    @hookimpl
    def orch_test_result(self, result: TestResult) -> None:
        if result.outcome.is_failure:
            from rich.text import Text

            line = Text(f"{result.outcome.value.upper():8} ", style="red bold")
            line.append(f"{safe(result.id)}  {first_line(result.message, 120)}")
            self.live.console.print(line)


class PlainLines:
    """A plugin for logs and CI: a status line every few seconds, each failure as it lands,
    and every ``heartbeat`` seconds the tests running longer than that, by name (0: never)."""

    def __init__(self, interval: float = PLAIN_INTERVAL, heartbeat: float = 0.0) -> None:
        self.interval = interval
        self.heartbeat = heartbeat
        self.last = 0.0
        self.last_text = ""
        self.last_heartbeat = time.monotonic()

    def __enter__(self) -> PlainLines:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    @hookimpl
    def orch_progress(self, counts: Counts, running: Sequence[RunningTest]) -> None:
        now = time.monotonic()
        text = status_line(counts)
        started = counts.done or counts.queued or counts.running  # else there is nothing to say
        if started and now - self.last >= self.interval and text != self.last_text:
            click.echo(f"orch: {text}", err=True)
            self.last, self.last_text = now, text
        if self.heartbeat and now - self.last_heartbeat >= self.heartbeat:
            self.last_heartbeat = now
            wall = time.time()
            for test in running:
                seconds = wall - test.started_at
                if seconds >= self.heartbeat:
                    click.echo(
                        f"orch: still running after {seconds:.0f}s: "
                        f"{safe(test.app)}::{safe(test.nodeid)}",
                        err=True,
                    )

    @hookimpl
    def orch_test_result(self, result: TestResult) -> None:
        if result.outcome.is_failure:
            click.echo(
                f"orch: {result.outcome.value.upper()} {safe(result.id)}: "
                f"{first_line(result.message, 160)}",
                err=True,
            )


def make_display(heartbeat: float = 0.0) -> LiveDisplay | PlainLines:
    """Rich on a terminal (it shows every running test and for how long), plain lines with a
    heartbeat naming long-running tests when stderr goes to a file or pipe."""
    if sys.stderr.isatty():
        return LiveDisplay()
    return PlainLines(heartbeat=heartbeat)
