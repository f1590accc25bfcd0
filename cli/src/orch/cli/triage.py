"""``orch triage``: failures of a run or of result files, as categorised, clustered root causes."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import click

from orch.cli.app import App, pass_app
from orch.cli.inbox import list_inbox, owner
from orch.cli.main import DIRECTORY_OPTION, FORMAT_OPTION, WORKFLOW_OPTION, project_dir
from orch.cli.summary import print_root_causes
from orch.cli.text import first_line, safe
from orch.core import Engine, ExitCode, Registry, Workflow, state_dir_for
from orch.core.shared.output_limits import keep_output
from orch.core.shared.redaction import redactor_for
from orch.core.shared.untrusted_text import json_text
from orch.core.triage.analysis import TriageReport, results_of_files, triage
from orch.core.triage.filing import Filed, dry_run_reads, file_issues
from orch.ports import ConfigError, IssueDraft, TestResult


@click.command("triage")
@click.argument(
    "result_files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--run", "run_id", metavar="RUN", help="Triage a recorded run (default: the latest).")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@click.option(
    "--file-issues", "file_issues_", is_flag=True, help="File or update one issue per root cause."
)
@click.option("--dry-run", is_flag=True, help="With --file-issues: say what would be filed.")
@click.option(
    "--tracker",
    default="inbox",
    show_default=True,
    help="Where issues go: inbox (local), jira or github (credentials from ORCH_* variables).",
)
@click.option(
    "--inbox", "show_inbox", is_flag=True, help="Show the local inbox and stop (orch inbox list)."
)
@click.option(
    "--app",
    "app_name",
    metavar="NAME",
    help="With RESULT_FILES: the application they belong to (default: the one whose path holds "
    "each file).",
)
@FORMAT_OPTION
@pass_app
def triage_command(
    app: App,
    result_files: tuple[Path, ...],
    run_id: str | None,
    directory: Path | None,
    workflow_file: Path | None,
    file_issues_: bool,
    dry_run: bool,
    tracker: str,
    show_inbox: bool,
    app_name: str | None,
    output_format: str,
) -> None:
    """Categorise and cluster failures: from JUnit/TestNG RESULT_FILES, or of run RUN.

    RESULT_FILES are triaged without recording anything: history is read from the workflow's
    .orch/ when it has one, and .orch/ is created only to file issues into the local inbox.
    """
    if show_inbox:
        list_inbox(app, directory, workflow_file, output_format)
        return
    workflow = app.workflow(project_dir(directory), workflow_file)
    filing = (tracker, dry_run) if file_issues_ else None
    unreadable: list[Unreadable] = []
    if result_files:
        results, unreadable = read_result_files(result_files, workflow, app.registry, app_name)
        report, filed = _triage_files(results, workflow, app, filing)
    else:
        report, filed = _triage_run(workflow, app, run_id, filing)
    if output_format == "json":
        data = report.as_json()
        if file_issues_:
            data["filed"] = [_filed_json(f) for f in filed]
            if dry_run:
                data["dry_run"] = dry_run_reads(tracker, filed)
        if result_files:
            data["unreadable"] = [{"file": str(u.path), "problem": u.problem} for u in unreadable]
        click.echo(json_text(data))
    elif not unreadable or len(unreadable) < len(result_files):
        print_report(report)
        for action in filed:
            issue = f" {action.issue}" if action.issue else ""
            click.echo(f"{action.action}{issue}: {first_line(action.detail, 160)}")
            if dry_run and action.draft is not None:
                print_draft(action.draft)
        if file_issues_ and dry_run:
            click.echo(safe(dry_run_reads(tracker, filed)))
    if unreadable:
        _fail_unreadable(unreadable)


Filing = tuple[str, bool] | None
"""(tracker, dry_run) when issues are to be filed, else None."""


def _triage_run(
    workflow: Workflow, app: App, run_id: str | None, filing: Filing
) -> tuple[TriageReport, list[Filed]]:
    services = app.services(workflow.root)
    record = services.store.get_run(run_id) if run_id else services.store.latest_run()
    if record is None:
        raise ConfigError(f"no run '{run_id}' recorded" if run_id else "no run recorded yet")
    report = Engine(workflow, services).triage_run(record.id)
    return report, _file(report, services, filing, record.id, record.commit)


class Unreadable(NamedTuple):
    """A result file ``orch triage`` could not read, and why, in one line naming it."""

    path: Path
    problem: str


def read_result_files(
    paths: tuple[Path, ...], workflow: Workflow, registry: Registry, app_name: str | None
) -> tuple[list[TestResult], list[Unreadable]]:
    """The tests of every readable file in ``paths``, and each file that is not: one bad file
    costs only its own tests, as a corrupt file in a run does."""
    if app_name and workflow.source:
        workflow.app(app_name)  # a workflow's application must exist
    state_dir = state_dir_for(workflow.root)
    parsers = [registry.parsers.build(name, state_dir) for name in registry.parsers.names()]
    results: list[TestResult] = []
    unreadable = []
    for path in paths:
        try:
            results += results_of_files((path,), parsers, workflow.applications, app_name or "")
        except ConfigError as problem:
            unreadable.append(Unreadable(path, str(problem)))
        except OSError as error:
            unreadable.append(Unreadable(path, f"{path}: cannot read it: {error.strerror}"))
    limits, redact = workflow.execution.output, redactor_for(workflow.applications).result
    # cut, then redact (cheaper on what is left), as a run's results are
    return [redact(keep_output(result, limits)) for result in results], unreadable


def _fail_unreadable(unreadable: list[Unreadable]) -> None:
    """One line per unreadable file, then exit 2: the others' report is out, and CI must not
    take a triage that left results out for a complete one."""
    for bad in unreadable:
        problem = first_line(bad.problem, 500)
        click.echo(f"orch: error: {problem}; its tests are not in this triage", err=True)
    click.get_current_context().exit(int(ExitCode.USAGE_ERROR))


def _triage_files(
    results: list[TestResult], workflow: Workflow, app: App, filing: Filing
) -> tuple[TriageReport, list[Filed]]:
    state_dir = state_dir_for(workflow.root)
    if filing is None and not state_dir.is_dir():
        return triage(results, workflow.triage), []
    if not state_dir.is_dir():
        click.echo(f"orch: keeping the inbox and issue links in {state_dir}", err=True)
    services = app.services(workflow.root)
    report = triage(results, workflow.triage, store=services.store)
    return report, _file(report, services, filing, "", "")


def _file(report: TriageReport, services, filing: Filing, run: str, commit: str) -> list[Filed]:
    if filing is None:
        return []
    tracker, dry_run = filing
    return file_issues(
        report,
        services.tracker(tracker),
        services.store,
        run_id=run,
        commit=commit,
        dry_run=dry_run,
    )


def _filed_json(filed: Filed) -> dict:
    data: dict[str, object] = {
        "cluster": filed.cluster,
        "action": filed.action,
        "issue": filed.issue,
        "detail": filed.detail,
    }
    if filed.draft is not None:
        draft = filed.draft
        data["draft"] = {
            "title": draft.title,
            "labels": list(draft.labels),
            "assignee": draft.assignee,
            "body": draft.body,
        }
    return data


def print_draft(draft: IssueDraft) -> None:
    """The whole issue as it would be filed: labels, assignee and body under its title line."""
    click.echo(f"    labels: {', '.join(safe(label) for label in draft.labels)}")
    click.echo(f"    assignee: {owner(draft.assignee) or 'nobody'}")
    for line in draft.body.splitlines():
        click.echo(f"    | {safe(line)}".rstrip())


def print_report(report: TriageReport) -> None:
    """Failures grouped by root cause, each with category, history, owner and suggestion."""
    if not report.failures:
        click.echo("no failures to triage")
        return
    for cluster in report.clusters:
        click.secho(f"\n{first_line(cluster.representative, 160)}", bold=True)
        for failure in cluster.failures:
            owner = f" -> {safe(failure.assigned_to)}" if failure.assigned_to else ""
            click.echo(
                f"  {safe(failure.id)}: {safe(failure.category)} ({failure.defect_type}, "
                f"{failure.history}){owner}"
            )
            if failure.suggestion:
                click.echo(f"      {first_line(failure.suggestion, 160)}")
    print_root_causes(report.clusters)


COMMANDS = [triage_command]
