"""``orch data generate|load|reset|versions|diff|clean``: the workflow's test data outside a run
(inside one, ``orch run`` generates and loads what its applications' ``test_data`` name)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from orch.cli.app import App, pass_app
from orch.cli.main import DIRECTORY_OPTION, FORMAT_OPTION, WORKFLOW_OPTION, project_dir
from orch.cli.text import safe
from orch.core.data_commands import (
    LoadState,
    data_clean,
    data_diff,
    data_generate,
    data_load,
    data_reset,
    data_versions,
)
from orch.core.shared.redaction import orch_redactor


@click.group("data")
def data_group() -> None:
    """Generate, load, reset, compare and clean the workflow's test data."""


@data_group.command("generate")
@click.argument("name")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write ENTITY.jsonl files into (made when missing).",
)
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@FORMAT_OPTION
@pass_app
def generate_command(
    app: App,
    name: str,
    out: Path,
    directory: Path | None,
    workflow_file: Path | None,
    output_format: str,
) -> None:
    """Generate dataset NAME into OUT/ENTITY.jsonl, one JSON object per row."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    prepared, written = data_generate(workflow, app.services(workflow.root), name, out)
    rows = {table.entity: len(table) for table in prepared.data.tables}
    if output_format == "json":
        files = [str(path) for path in written]
        click.echo(
            json.dumps(
                {"dataset": name, "version": prepared.version, "rows": rows, "files": files},
                indent=2,
            )
        )
        return
    total = sum(rows.values())
    click.echo(
        f"{safe(name)} version {prepared.version[:12]}: {total} rows in {len(written)} files"
    )
    for path in written:
        click.echo(f"  {safe(str(path))}  {rows[path.stem]} rows")


@data_group.command("load")
@click.argument("name")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@FORMAT_OPTION
@pass_app
def load_command(
    app: App, name: str, directory: Path | None, workflow_file: Path | None, output_format: str
) -> None:
    """Load dataset NAME where its sink says and make a copy to work on (its address shown,
    its password hidden); `orch data reset NAME` puts that copy back as loaded."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    _show(data_load(workflow, app.services(workflow.root), name), output_format, "loaded")


@data_group.command("reset")
@click.argument("name")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@FORMAT_OPTION
@pass_app
def reset_command(
    app: App, name: str, directory: Path | None, workflow_file: Path | None, output_format: str
) -> None:
    """Put the copy `orch data load NAME` made back as it was loaded."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    _show(data_reset(workflow, app.services(workflow.root), name), output_format, "reset")


@data_group.command("versions")
@click.argument("name", required=False)
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@FORMAT_OPTION
@pass_app
def versions_command(
    app: App,
    name: str | None,
    directory: Path | None,
    workflow_file: Path | None,
    output_format: str,
) -> None:
    """List the versions of the datasets generated here (of NAME), and the runs that used them."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    versions = data_versions(app.services(workflow.root), name)
    if output_format == "json":
        shown = [
            {
                "version": v.version,
                "dataset": v.dataset,
                "created": v.created,
                "rows": v.rows,
                "seed": v.spec.seed,
                "runs": list(v.runs),
            }
            for v in versions
        ]
        click.echo(json.dumps(shown, indent=2))
        return
    if not versions:
        click.echo("no versions recorded")
    for v in versions:
        made = time.strftime("%Y-%m-%d %H:%M", time.localtime(v.created))
        total = sum(v.rows.values())
        runs = ", ".join(safe(str(r["run"])) for r in v.runs[-3:])
        used = f"  used by {len(v.runs)} run(s): {runs}" if v.runs else ""
        click.echo(
            f"{v.version[:12]}  {safe(v.dataset)}  seed {v.spec.seed}  {total} rows  {made}{used}"
        )


@data_group.command("diff")
@click.argument("first")
@click.argument("second")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@FORMAT_OPTION
@pass_app
def diff_command(
    app: App,
    first: str,
    second: str,
    directory: Path | None,
    workflow_file: Path | None,
    output_format: str,
) -> None:
    """Compare dataset versions FIRST and SECOND: per entity, rows added, removed, changed."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    diffs = data_diff(app.services(workflow.root), first, second)
    if output_format == "json":
        click.echo(json.dumps([d.as_json() for d in diffs], indent=2))
        return
    for d in diffs:
        fields = f"  ({', '.join(safe(f) for f in d.fields)})" if d.fields else ""
        click.echo(f"{safe(d.entity)}: +{d.added} -{d.removed} ~{d.changed}{fields}")


@data_group.command("clean")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@pass_app
def clean_command(app: App, directory: Path | None, workflow_file: Path | None) -> None:
    """Remove what `orch data load` and runs that are gone left at the datasets' sinks."""
    workflow = app.workflow(project_dir(directory), workflow_file)
    lines = data_clean(workflow, app.services(workflow.root))
    for line in lines:
        click.echo(safe(orch_redactor().text(line)))
    if not lines:
        click.echo("nothing to clean")


def _show(state: LoadState, output_format: str, done: str) -> None:
    address = orch_redactor().text(state.copy.address)
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "dataset": state.dataset,
                    "version": state.version,
                    "place": state.copy.place,
                    "address": address,
                },
                indent=2,
            )
        )
        return
    click.echo(f"{done} {safe(state.dataset)} version {state.version[:12]} at {safe(address)}")


COMMANDS = [data_group]
