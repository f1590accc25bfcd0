"""``orch flow show``: a run's cross-application flows end to end: each step's place in time,
its application and environment, how it ended, and the values handed between steps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from orch.cli.app import App, pass_app
from orch.cli.main import DIRECTORY_OPTION, FORMAT_OPTION, project_dir
from orch.cli.text import first_line, safe
from orch.core import flow_records


@click.group("flow")
def flow_group() -> None:
    """Cross-application flows of recorded runs."""


@flow_group.command("show")
@click.argument("run_id", required=False, metavar="[RUN]")
@DIRECTORY_OPTION
@FORMAT_OPTION
@pass_app
def show_command(app: App, run_id: str | None, directory: Path | None, output_format: str) -> None:
    """Show each flow of RUN (default: the latest run): its steps' timeline, outcomes, the
    values passed between them (secrets masked) and where it broke."""
    services = app.services(project_dir(directory))
    run, flows = flow_records(services.store, services.state_dir, run_id)
    if output_format == "json":
        click.echo(json.dumps({"run": run, "flows": flows}))
        return
    for flow in flows:
        _show(flow)


def _show(flow: dict[str, Any]) -> None:
    steps = flow.get("steps", [])
    starts = [s["started_at"] for s in steps if isinstance(s.get("started_at"), (int, float))]
    origin = min(starts, default=0.0)
    broke = flow.get("broke_at")
    where = f", broke at {safe(str(broke))}" if broke else ""
    click.echo(f"flow {safe(str(flow.get('name')))}: {safe(str(flow.get('outcome')))}{where}")
    for step in steps:
        click.echo("  " + _timeline(step, origin))
        reason = first_line(str(step.get("reason") or ""))
        if reason:
            click.echo(f"      {reason}")
        for direction, values in (("in ", step.get("inputs")), ("out", step.get("outputs"))):
            if values:
                shown = first_line(json.dumps(values, default=str), 140)
                click.echo(f"      {direction} {shown}")


def _timeline(step: dict[str, Any], origin: float) -> str:
    """``+0.00s  0.39s  passed   test_login (user-service, env staging)``."""
    started, ended = step.get("started_at"), step.get("ended_at")
    at = f"+{started - origin:6.2f}s" if isinstance(started, (int, float)) else "       -"
    took = (
        f"{ended - started:6.2f}s"
        if isinstance(started, (int, float)) and isinstance(ended, (int, float))
        else "      -"
    )
    place = safe(str(step.get("app")))
    if step.get("environment"):
        place += f", env {safe(str(step['environment']))}"
    if step.get("simulated"):
        place += ", simulated " + ", ".join(safe(str(name)) for name in step["simulated"])
    attempts = step.get("attempts") or 0
    tries = f", {attempts} attempts" if attempts > 1 else ""
    outcome = safe(str(step.get("outcome")))
    return f"{at} {took}  {outcome:<8} {safe(str(step.get('step')))} ({place}{tries})"


COMMANDS = [flow_group]
