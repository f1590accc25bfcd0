"""``orch run``: run a workflow (or a plain pytest directory), live, with reports and resume."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from orch.cli.display import make_display
from orch.cli.main import FORMAT_OPTION, WORKFLOW_OPTION, directory_argument
from orch.cli.select import change_options, print_selection
from orch.cli.summary import print_summary
from orch.core import Engine, bootstrap, find_workflow_file, load_registry, workflow_for
from orch.core.reports import json_report
from orch.ports import ConfigError


@click.command("run")
@directory_argument()
@WORKFLOW_OPTION
@click.option("-n", "--workers", type=click.IntRange(min=1), help="Parallel shard processes.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    help="Seconds per test (default: the workflow's, else 300; 0: no limit).",
)
@click.option("--retries", type=click.IntRange(min=0), help="Retries of a failing test.")
@click.option(
    "--junit-xml", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML."
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON report.",
)
@click.option(
    "--resume",
    "resume",
    metavar="RUN",
    help="Continue a killed run: run only what it did not record.",
)
@click.option(
    "--select",
    "select_mode",
    type=click.Choice(["all", "changed"]),
    default="all",
    show_default=True,
    help="changed: only the tests the change can break (see orch select), highest risk first.",
)
@change_options
@click.option("--dry-run", is_flag=True, help="Show the selection and run nothing.")
@click.option(
    "--record-coverage",
    is_flag=True,
    help="Record the lines each test runs (needs coverage.py in the app's interpreter).",
)
@FORMAT_OPTION
def run_command(
    directory: Path,
    workflow_file: Path | None,
    workers: int | None,
    timeout: float | None,
    retries: int | None,
    junit_xml: Path | None,
    json_path: Path | None,
    resume: str | None,
    select_mode: str,
    base: str | None,
    head: str | None,
    apps: tuple[str, ...],
    dry_run: bool,
    record_coverage: bool,
    output_format: str,
) -> None:
    """Run the tests of every application in the workflow, in parallel.

    With no workflow file, DIR is treated as one pytest project, so `orch run .` works where
    `pytest` does. Exit codes: 0 passed, 1 tests failed, 2 usage/config error, 4 environment
    problem, 5 no tests, 130 interrupted (Ctrl-C; continue with --resume RUN).
    """
    for option, path in (("--json", json_path), ("--junit-xml", junit_xml)):
        if path is not None:
            check_writable(option, path)
    options = {
        "workers": workers,
        "timeout": timeout,
        "retries": retries,
        "select": select_mode if select_mode != "all" else None,
        "base": base,
        "head": head,
        "apps": list(apps) or None,
    }
    registry = load_registry()
    if resume:  # a resumed run keeps its workflow, options and selection
        directory, workflow_file, options = _resume_spec(directory, resume, options, registry)
    overrides = {key: options[key] for key in ("workers", "timeout", "retries")}
    workflow = workflow_for(directory, workflow_file, registry).with_overrides(**overrides)
    workflow = workflow.only(options["apps"] or ())
    spec = json.dumps(
        {
            "directory": str(directory.resolve()),
            "workflow": str(workflow_file.resolve()) if workflow_file else None,
            **{key: value for key, value in options.items() if value is not None},
        }
    )
    services = bootstrap(workflow.root, registry=registry)
    try:
        engine = Engine(workflow, services)
        wanted = options["select"] == "changed" or dry_run
        selection = engine.select(options["base"], options["head"]) if wanted else None
        if dry_run:
            assert selection is not None
            if output_format == "json":
                click.echo(json.dumps(selection.as_json(), indent=2, ensure_ascii=False))
            else:
                print_selection(selection)
            return
        with make_display(workflow.execution.heartbeat) as display:
            result = engine.execute(
                resume=resume,
                observer=display,
                junit_xml=junit_xml,
                json_report=json_path,
                spec=spec,
                selection=selection,
                record_coverage=record_coverage,
            )
        if output_format == "json":
            report = json_report(result, services.store.get_run(result.run_id))
            click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            print_summary(result)
        if result.interrupted:
            click.echo(
                f"orch: interrupted; what ran is recorded: continue with "
                f"`orch run --resume {result.run_id}`",
                err=True,
            )
    finally:
        services.close()
    sys.exit(int(result.exit_code))


def check_writable(option: str, path: Path) -> None:
    """Fail before any test runs when a report could not be written to ``path`` at the end."""
    if path.is_dir():
        raise ConfigError(f"{option} {path}: is a directory; give a file name")
    folder = path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError(f"{option} {path}: {folder} is not a directory; choose another path")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
        if path.exists():
            with path.open("ab"):
                pass
    except OSError as error:
        raise ConfigError(
            f"{option} {path}: cannot write there ({error.strerror}); choose another path"
        ) from None


def _resume_spec(directory: Path, run_id: str, options: dict, registry):
    """The directory, workflow file and options a run was started with; new options win."""
    root = directory.resolve()
    found = find_workflow_file(root)
    services = bootstrap(root, registry=registry)
    try:
        record = services.store.get_run(run_id)
    finally:
        services.close()
    if record is None:
        raise ConfigError(f"no run '{run_id}' in {services.state_dir} (see `orch runs`)")
    spec = json.loads(record.spec or "{}")
    saved = {k: spec.get(k) for k in options}
    merged = {k: options[k] if options[k] is not None else saved[k] for k in options}
    workflow = spec.get("workflow") or (str(found) if found else None)
    return Path(spec.get("directory", root)), Path(workflow) if workflow else None, merged


COMMANDS = [run_command]
