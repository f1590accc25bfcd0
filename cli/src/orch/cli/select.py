"""``orch select``: the tests a change can break, each with its reasons and risk score."""

from __future__ import annotations

from pathlib import Path

import click

from orch.cli.app import App, pass_app
from orch.cli.main import FORMAT_OPTION, WORKFLOW_OPTION, directory_argument
from orch.cli.text import safe
from orch.core import Engine, Selection
from orch.core.shared.untrusted_text import json_text

REASONS_SHOWN = 3


def change_options(command):
    """--base/--head/--app/--strict, shared by ``orch select`` and ``orch run --select
    changed``."""
    command = click.option(
        "--strict",
        is_flag=True,
        help="A changed file that no application claims is an error (exit 2), for CI.",
    )(command)
    command = click.option(
        "--app", "apps", multiple=True, metavar="NAME", help="Only this application (repeatable)."
    )(command)
    command = click.option(
        "--head",
        metavar="REF",
        help="The changed state (default: the working tree, untracked too).",
    )(command)
    command = click.option(
        "--base",
        metavar="REF",
        help="Compare against this commit (default: merge-base with the default branch).",
    )(command)
    return command


@click.command("select")
@directory_argument
@WORKFLOW_OPTION
@change_options
@FORMAT_OPTION
@pass_app
def select_command(
    app: App,
    directory: Path,
    workflow_file: Path | None,
    base: str | None,
    head: str | None,
    apps: tuple[str, ...],
    strict: bool,
    output_format: str,
) -> None:
    """List the tests the change from --base to --head can break, and why.

    DIR (or -C DIR) is the project directory: its workflow file, or one pytest project.
    The ids are pytest nodeids as pytest takes them, so they can be passed to pytest.
    """
    workflow = app.workflow(directory, workflow_file)
    services = app.services(workflow.root)
    selection = Engine(workflow, services).select(base, head, apps, strict=strict)
    if output_format == "json":
        click.echo(json_text(selection.as_json()))
    else:
        print_selection(selection)


def print_selection(selection: Selection) -> None:
    """The selection for people: per application what runs and why, tests by risk."""
    if selection.base:  # one base for all; else each application says its own
        head = safe(selection.head) if selection.head else "the working tree"
        click.echo(f"changes from {safe(selection.base[:12])} to {head}")
    for name, chosen in selection.apps.items():
        if chosen.whole_app:
            what = f"all {tests(chosen.count)}" if chosen.tests else "the whole application"
        elif chosen.tests:
            what = f"{chosen.count} of {tests(chosen.suite)}"
        else:
            what = "nothing"
        why = f" ({safe(chosen.reasons[0])})" if chosen.reasons else ""
        click.secho(f"{safe(name)}: {what}{why}", bold=True)
        if chosen.base and not selection.base:
            head = selection.head or "the working tree"
            click.echo(f"  changes from {safe(chosen.base[:12])} to {safe(head)}")
        for problem in chosen.problems:
            click.echo(f"  note: {safe(problem)}")
        if chosen.whole_app:
            continue
        for test in chosen.tests:
            click.echo(f"  {test.score:6.2f}  {safe(test.nodeid)}")
            for reason in test.reasons[:REASONS_SHOWN]:
                click.echo(f"          {safe(reason)}")
    if selection.outside:
        click.echo(f"in no application: {', '.join(safe(p) for p in selection.outside)}")
    unlisted = [
        safe(name) for name, app in selection.apps.items() if app.whole_app and not app.tests
    ]
    whole = f", and every test of {', '.join(unlisted)}" if unlisted else ""
    click.echo(f"{tests(selection.count)} selected{whole}")


def tests(count: int) -> str:
    """``1 test``, ``2 tests``."""
    return f"{count} test" if count == 1 else f"{count} tests"


COMMANDS = [select_command]
