"""``orch env up|down|status|logs|prune``: environments outside a run, for debugging and for tests
run by hand against them."""

from __future__ import annotations

import json
from pathlib import Path

import click

from orch.cli.app import App, pass_app
from orch.cli.main import DIRECTORY_OPTION, FORMAT_OPTION, WORKFLOW_OPTION, project_dir
from orch.cli.text import safe
from orch.core import EnvironmentState, env_down, env_logs, env_prune, env_status, env_up


@click.group("env")
def env_group() -> None:
    """Bring environments up and down, see them, remove leftovers."""


@env_group.command("up")
@click.argument("name")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@FORMAT_OPTION
@pass_app
def up_command(
    app: App, name: str, directory: Path | None, workflow_file: Path | None, output_format: str
) -> None:
    """Bring environment NAME up and leave it up (`orch env down NAME` removes it)."""
    root = project_dir(directory)
    workflow = app.workflow(root, workflow_file)
    state = env_up(workflow, app.services(workflow.root), name)
    _show([state], output_format)
    if output_format == "text":
        click.echo(f"orch: remove it with `orch env down {name}`", err=True)


@env_group.command("down")
@click.argument("name", required=False)
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@pass_app
def down_command(
    app: App, name: str | None, directory: Path | None, workflow_file: Path | None
) -> None:
    """Remove environment NAME (default: every kept or leftover one of this project)."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    for line in env_down(app.services(workflow.root), name):
        click.echo(safe(line))


@env_group.command("status")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@FORMAT_OPTION
@pass_app
def status_command(
    app: App, directory: Path | None, workflow_file: Path | None, output_format: str
) -> None:
    """Show this project's environments: kept, in use by a run, or left over."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    _show(env_status(app.services(workflow.root)), output_format)


@env_group.command("logs")
@click.argument("name")
@click.argument("service")
@click.option("--tail", type=click.IntRange(min=0), default=0, help="Only the last N lines.")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@pass_app
def logs_command(
    app: App,
    name: str,
    service: str,
    tail: int,
    directory: Path | None,
    workflow_file: Path | None,
) -> None:
    """Show what SERVICE of environment NAME printed (the newest run's, once it is removed)."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    text = env_logs(app.services(workflow.root), name, service, tail)
    for line in text.splitlines():  # untrusted: each line escaped, so none can act in a terminal
        click.echo(safe(line))


@env_group.command("prune")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@pass_app
def prune_command(app: App, directory: Path | None, workflow_file: Path | None) -> None:
    """Remove what orchestrators that are gone left behind (every start does it too)."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    removed = env_prune(app.services(workflow.root))
    for line in removed:
        click.echo(f"removed {safe(line)}")
    if not removed:
        click.echo("nothing to prune")


def _show(states: list[EnvironmentState], output_format: str) -> None:
    if output_format == "json":
        click.echo(json.dumps([state.as_json() for state in states], indent=2))
        return
    if not states:
        click.echo("no environments")
    for state in states:
        owner = state.owner
        click.echo(f"{safe(owner.environment)}  {state.state}  (run {safe(owner.run)})")
        for service, found in state.services.items():
            ports = ", ".join(f"{c}->{h}" for c, h in found["ports"].items())
            click.echo(f"  {safe(service)}  {found['host']}  {ports}  {safe(str(found['url']))}")


COMMANDS = [env_group]
