"""``orch triage``: failures of a run or of result files, as categorised, clustered root causes."""

from __future__ import annotations

import json
from pathlib import Path

import click

from orch.cli.main import DIRECTORY_OPTION, FORMAT_OPTION, WORKFLOW_OPTION, project_dir
from orch.cli.summary import print_root_causes
from orch.cli.text import first_line, safe
from orch.core import Engine, bootstrap, load_registry, workflow_for
from orch.core.filing import Filed, file_issues
from orch.core.triage import TriageReport, triage
from orch.ports import ConfigError, ResultFileError, TestResult


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
@click.option("--inbox", "show_inbox", is_flag=True, help="Show the local inbox and stop.")
@FORMAT_OPTION
def triage_command(
    result_files: tuple[Path, ...],
    run_id: str | None,
    directory: Path | None,
    workflow_file: Path | None,
    file_issues_: bool,
    dry_run: bool,
    tracker: str,
    show_inbox: bool,
    output_format: str,
) -> None:
    """Categorise and cluster failures: from JUnit/TestNG RESULT_FILES, or of run RUN."""
    registry = load_registry()
    workflow = workflow_for(project_dir(directory), workflow_file, registry)
    services = bootstrap(workflow.root, registry=registry)
    filed: list[Filed] = []
    try:
        if show_inbox:
            print_inbox(services.tracker("inbox"), output_format)
            return
        record = None
        if result_files:
            parsers = [registry.get("parser", name)() for name in registry.names("parser")]
            results = [r for path in result_files for r in _parse(path, parsers)]
            report = triage(results, workflow.triage, store=services.store)
        else:
            record = services.store.get_run(run_id) if run_id else services.store.latest_run()
            if record is None:
                raise ConfigError(
                    f"no run '{run_id}' recorded" if run_id else "no run recorded yet"
                )
            engine = Engine(workflow, services)
            report = engine.triage_run(record.id)
        if file_issues_:
            filed = file_issues(
                report,
                services.tracker(tracker),
                services.store,
                run_id=record.id if record else "",
                commit=record.commit if record else "",
                dry_run=dry_run,
            )
    finally:
        services.close()
    if output_format == "json":
        data = report.as_json()
        if file_issues_:
            data["filed"] = [
                {"cluster": f.cluster, "action": f.action, "issue": f.issue, "detail": f.detail}
                for f in filed
            ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    print_report(report)
    for action in filed:
        issue = f" {action.issue}" if action.issue else ""
        click.echo(f"{action.action}{issue}: {first_line(action.detail, 160)}")


def print_inbox(inbox, output_format: str) -> None:
    """The issues of the local inbox, newest first."""
    issues = inbox.issues()
    if output_format == "json":
        rows = [
            {
                "key": i.issue.key,
                "title": i.title,
                "closed": i.issue.closed,
                "labels": list(i.issue.labels),
                "assignee": i.assignee,
                "comments": len(i.comments),
            }
            for i in issues
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not issues:
        click.echo("the inbox is empty")
    for item in issues:
        state = "closed" if item.issue.closed else "open"
        who = f" @{safe(item.assignee)}" if item.assignee else ""
        click.echo(
            f"{item.issue.key} [{state}] {safe(item.title)}{who} "
            f"({', '.join(item.issue.labels)}; {len(item.comments)} comment(s))"
        )


def _parse(path: Path, parsers: list) -> list[TestResult]:
    head = path.read_bytes()[:4096]
    for parser in parsers:
        if parser.sniff(head):
            try:
                return parser.parse(path, path.stem)
            except ResultFileError as problem:
                raise ConfigError(str(problem)) from None
    raise ConfigError(f"{path}: not a result file orch can read (JUnit XML or testng-results.xml)")


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
