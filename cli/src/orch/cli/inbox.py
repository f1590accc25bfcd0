"""``orch inbox list|show|close``: the issues triage filed into the local inbox (.orch/inbox.db)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from orch.cli.app import App, pass_app
from orch.cli.main import DIRECTORY_OPTION, FORMAT_OPTION, WORKFLOW_OPTION, project_dir
from orch.cli.text import safe
from orch.core import state_dir_for
from orch.core.shared.redaction import Redactor, orch_redactor
from orch.core.shared.untrusted_text import json_text
from orch.ports import ConfigError


def _project_options(command: Callable) -> Callable:
    return DIRECTORY_OPTION(WORKFLOW_OPTION(FORMAT_OPTION(pass_app(command))))


def open_inbox(app: App, directory: Path | None, workflow_file: Path | None):
    """The local inbox of the project in ``directory``; None when it has none (reading an inbox
    creates no ``.orch/``, which opening the inbox would)."""
    root = app.workflow(project_dir(directory), workflow_file).root
    if not state_dir_for(root).is_dir():
        return None
    return app.services(root).tracker("inbox")


@contextmanager
def _inbox_holding(
    app: App, issue: str, directory: Path | None, workflow_file: Path | None
) -> Iterator:
    """The project's inbox for a command about one ``issue``, closed when the command is done;
    a project without an inbox is one line saying so (there is no such issue to act on)."""
    inbox = open_inbox(app, directory, workflow_file)
    if inbox is None:
        raise ConfigError(f"no issue '{issue}': the inbox is empty")
    try:
        yield inbox
    finally:
        inbox.close()


def owner(assignee: str) -> str:
    """``@name`` for an assignee, whether or not it was written with its ``@`` (CODEOWNERS)."""
    return f"@{safe(assignee.lstrip('@'))}" if assignee else ""


def _row(item, redactor: Redactor) -> dict:
    return {
        "key": item.issue.key,
        "title": redactor.text(item.title),
        "closed": item.issue.closed,
        "labels": list(item.issue.labels),
        "assignee": item.assignee,
        "comments": len(item.comments),
    }


def print_inbox(inbox, output_format: str) -> None:
    """The issues of the local inbox, newest first, one line each."""
    issues = inbox.issues() if inbox is not None else []
    redactor = orch_redactor()  # an issue filed before orch redacted may hold secrets
    if output_format == "json":
        click.echo(json_text([_row(i, redactor) for i in issues]))
        return
    if not issues:
        click.echo("the inbox is empty")
    for item in issues:
        state = "closed" if item.issue.closed else "open"
        who = f" {owner(item.assignee)}" if item.assignee else ""
        labels = ", ".join(safe(label) for label in item.issue.labels)
        click.echo(
            f"{item.issue.key} [{state}] {safe(redactor.text(item.title))}{who} "
            f"({labels}; {len(item.comments)} comment(s))"
        )


def list_inbox(
    app: App, directory: Path | None, workflow_file: Path | None, output_format: str
) -> None:
    """``orch inbox list`` (and ``orch triage --inbox``): the project's inbox, one line an issue."""
    inbox = open_inbox(app, directory, workflow_file)
    try:
        print_inbox(inbox, output_format)
    finally:
        if inbox is not None:
            inbox.close()


@click.group("inbox")
def inbox_group() -> None:
    """The local inbox: issues `orch triage --file-issues` filed, one per root cause."""


@inbox_group.command("list")
@_project_options
def list_command(
    app: App, directory: Path | None, workflow_file: Path | None, output_format: str
) -> None:
    """Every issue of the inbox, newest first."""
    list_inbox(app, directory, workflow_file, output_format)


@inbox_group.command("show")
@click.argument("issue")
@_project_options
def show_command(
    app: App, issue: str, directory: Path | None, workflow_file: Path | None, output_format: str
) -> None:
    """The whole of ISSUE (INBOX-<n>): title, state, labels, assignee, body and comments."""
    with _inbox_holding(app, issue, directory, workflow_file) as inbox:
        item = inbox.issue(issue)
    redactor = orch_redactor()  # an issue filed before orch redacted may hold secrets
    body, comments = redactor.text(item.body), [redactor.text(c) for c in item.comments]
    if output_format == "json":
        row = {**_row(item, redactor), "body": body, "comments": comments}
        click.echo(json_text(row))
        return
    state = "closed" if item.issue.closed else "open"
    click.secho(f"{item.issue.key} [{state}] {safe(redactor.text(item.title))}", bold=True)
    click.echo(f"labels: {', '.join(safe(label) for label in item.issue.labels)}")
    click.echo(f"assignee: {owner(item.assignee) or 'nobody'}")
    click.echo(f"\n{safe(body)}")
    for number, comment in enumerate(comments, start=1):
        click.echo(f"\ncomment {number}: {safe(comment)}")


@inbox_group.command("close")
@click.argument("issue")
@_project_options
def close_command(
    app: App, issue: str, directory: Path | None, workflow_file: Path | None, output_format: str
) -> None:
    """Close ISSUE once its root cause is fixed; a recurrence reopens it as a regression."""
    with _inbox_holding(app, issue, directory, workflow_file) as inbox:
        inbox.close_issue(issue)
        key = inbox.issue(issue).issue.key
    if output_format == "json":
        click.echo(json.dumps({"key": key, "closed": True}))
    else:
        click.echo(f"closed {key}")


COMMANDS = [inbox_group]
