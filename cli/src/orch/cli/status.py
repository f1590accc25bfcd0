"""``orch status`` and ``orch runs``: watch a run from another terminal (its counts, running
tests and what each environment uses), list recorded runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from orch.cli.app import App, pass_app
from orch.cli.display import status_line
from orch.cli.main import DIRECTORY_OPTION, FORMAT_OPTION, directory_argument, project_dir
from orch.cli.text import safe
from orch.core import RunStatus, recorded_runs, run_status
from orch.core.run.environment_usage import EnvironmentUse, ServiceUse, usage_json
from orch.ports import RunState


@click.command("status")
@click.argument("run_id", required=False, metavar="[RUN]")
@DIRECTORY_OPTION
@click.option("--watch", is_flag=True, help="Refresh every second until the run ends.")
@FORMAT_OPTION
@pass_app
def status_command(
    app: App, run_id: str | None, directory: Path | None, watch: bool, output_format: str
) -> None:
    """Show live counts and the running tests of RUN (default: the latest run)."""
    services = app.services(project_dir(directory))
    while True:
        status = run_status(services.store, run_id, services.state_dir)
        _show(status, output_format)
        if not watch or status.record.status is not RunState.RUNNING:
            break
        time.sleep(1.0)


def _show(status: RunStatus, output_format: str) -> None:
    record = status.record
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "run": record.id,
                    "status": record.status.value,
                    "exit_code": record.exit_code,
                    "counts": status.counts.as_dict(),
                    "running": [
                        {"app": t.app, "nodeid": t.nodeid, "started_at": t.started_at}
                        for t in status.running
                    ],
                    "environments": [_environment_json(use) for use in status.environments],
                    "data": status.data,
                }
            )
        )
        return
    click.echo(f"run {record.id}: {record.status.value}  {status_line(status.counts)}")
    if record.status is RunState.INTERRUPTED:
        click.echo(f"  its orchestrator is gone; continue it with `orch run --resume {record.id}`")
    now = time.time()
    for test in status.running:
        click.echo(f"  running {safe(test.app)}::{safe(test.nodeid)}  {now - test.started_at:.0f}s")
    for use in status.environments:
        replaced = f", replaced {use.replaced}x" if use.replaced else ""
        click.echo(f"  environment {safe(use.name)} ({use.state}{replaced}): {_used(use)}")
        for service in use.services:
            click.echo(f"    {safe(service.name)}: {_used(service)}")
    for name, seen in status.data.items():
        version = str(seen.get("version", ""))[:12]
        click.echo(
            f"  data {safe(name)}: {safe(str(seen.get('dataset')))} version {version} "
            f"(a copy per {safe(str(seen.get('per')))}, {safe(str(seen.get('sink')))})"
        )


def _used(use: EnvironmentUse | ServiceUse) -> str:
    return f"cpu {use.cpu_seconds:.1f}s  memory {_mib(use.memory)} (peak {_mib(use.peak_memory)})"


def _mib(size: int) -> str:
    return f"{size / 1024**2:.1f} MiB"


def _environment_json(use: EnvironmentUse) -> dict:
    return {"name": use.name, **usage_json(use)}


@click.command("runs")
@directory_argument
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@FORMAT_OPTION
@pass_app
def runs_command(app: App, directory: Path, limit: int, output_format: str) -> None:
    """List recorded runs, newest first (ids for `orch status` and `orch run --resume`).

    DIR (or -C DIR) is the project directory whose .orch/ holds them.
    A run whose orchestrator died shows as ``interrupted``, exactly as `orch status` says.
    """
    services = app.services(directory)
    runs = recorded_runs(services.store, services.state_dir, limit)
    now = time.time()
    if output_format == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "id": run.record.id,
                        "status": run.record.status.value,
                        "exit_code": run.record.exit_code,
                        "commit": run.record.commit,
                        "started_at": run.record.started_at,
                        "ended_at": run.record.ended_at,
                        "seconds": run.seconds(now),
                        "counts": run.counts.as_dict(),
                    }
                    for run in runs
                ]
            )
        )
        return
    for run in runs:
        r = run.record
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.started_at))
        code = "" if r.exit_code is None else f"exit {r.exit_code}"
        seconds = run.seconds(now)
        took = "?" if seconds is None else f"{seconds:.1f}s"
        commit = safe(r.commit[:12]) if r.commit else "-"
        click.echo(
            f"{r.id}  {started}  {r.status.value:<11} {code:<7} {took:>8}  {commit:<12}  "
            f"{run.counts.line()}"
        )


COMMANDS = [status_command, runs_command]
