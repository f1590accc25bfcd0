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
    """Remove environment NAME (default: every kept, warm or leftover one of this project)."""
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
    """Show this project's environments (kept, in use by a run, warm in a pool, or left over)
    and a line per pool."""
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
@click.option(
    "--pool", "pool", is_flag=True, help="Also remove every warm environment of the pools."
)
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@pass_app
def prune_command(app: App, pool: bool, directory: Path | None, workflow_file: Path | None) -> None:
    """Remove what orchestrators that are gone left behind (every start does it too)."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    removed = env_prune(app.services(workflow.root), pool=pool)
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
        idle = "" if state.idle is None else f"  idle {state.idle:.0f} s"
        used_by = safe(state.used_by or owner.run)
        click.echo(f"{safe(owner.environment)}  {state.state}  (run {used_by}){idle}")
        for service, found in state.services.items():
            ports = ", ".join(f"{c}->{h}" for c, h in found["ports"].items())
            click.echo(f"  {safe(service)}  {found['host']}  {ports}  {safe(str(found['url']))}")
    for line in pool_lines(states):
        click.echo(line)


def pool_lines(states: list[EnvironmentState]) -> list[str]:
    """A line per pooled spec: how many warm (and the longest idle), how many in use."""
    specs: dict[tuple[str, str], list[EnvironmentState]] = {}
    for state in states:
        if state.pool is not None or state.state == "warm":
            specs.setdefault((state.owner.environment, state.owner.spec_hash), []).append(state)
    lines = []
    for (name, spec_hash), found in specs.items():
        warm = [state for state in found if state.state == "warm"]
        used = [safe(state.used_by) for state in found if state.state == "in use"]
        size = next((state.pool["size"] for state in found if state.pool), "?")
        longest = max((state.idle or 0.0 for state in warm), default=0.0)
        idle = f" (idle up to {longest:.0f} s)" if warm else ""
        runs = f" by {', '.join(used)}" if used else ""
        lines.append(
            f"pool {safe(name)} (spec {spec_hash[:12]}, size {size}): "
            f"{len(warm)} warm{idle}, {len(used)} in use{runs}"
        )
    return lines


COMMANDS = [env_group]
