"""``orch run``: run a workflow (or a plain pytest directory), live, with reports and resume."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
from attrs import evolve

from orch.cli.app import App, pass_app
from orch.cli.display import make_display
from orch.cli.main import DIRECTORY_OPTION, FORMAT_OPTION, WORKFLOW_OPTION
from orch.cli.select import change_options, print_selection
from orch.cli.summary import print_summary
from orch.cli.text import safe
from orch.core import Engine, Registry, Workflow, find_workflow_file
from orch.core.report.files import json_report
from orch.core.shared.untrusted_text import json_text
from orch.core.workflow.filters import (
    filters_for,
    last_failed,
    narrowed,
    paths_by_app,
    split_arguments,
)
from orch.ports import ConfigError, RunSpec, RunStore, TestFilter


class _RunCommand(click.Command):
    """``orch run ... -- ARGS``: what follows ``--`` goes to the runner untouched, as ``tox``
    and ``uv run`` do it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            at = args.index("--")
            ctx.meta[RUNNER_ARGS] = tuple(args[at + 1 :])
            args = args[:at]
        return super().parse_args(ctx, args)


RUNNER_ARGS = "orch.runner_args"


@click.command("run", cls=_RunCommand)
@click.argument("arguments", nargs=-1, metavar="[PATH]...")
@DIRECTORY_OPTION
@WORKFLOW_OPTION
@click.option(
    "-k", "keyword", metavar="EXPR", help="Only tests matching EXPR (pytest's -k expression)."
)
@click.option(
    "-m", "marker", metavar="EXPR", help="Only tests whose markers match EXPR (pytest's -m)."
)
@click.option(
    "--lf",
    "--last-failed",
    "last_failed_only",
    is_flag=True,
    help="Only the tests that failed, errored or timed out in the latest run (all if none).",
)
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
@click.option(
    "--keep-raw-output",
    is_flag=True,
    help="Keep each shard's unredacted output and event files in .orch/runs/RUN/ (may hold "
    "secrets the reports mask).",
)
@click.option(
    "--keep-env",
    is_flag=True,
    help="Leave the environments up after the run, for debugging (`orch env down` removes them).",
)
@FORMAT_OPTION
@pass_app
def run_command(
    app: App,
    arguments: tuple[str, ...],
    directory: Path | None,
    workflow_file: Path | None,
    keyword: str | None,
    marker: str | None,
    last_failed_only: bool,
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
    strict: bool,
    dry_run: bool,
    record_coverage: bool,
    keep_raw_output: bool,
    keep_env: bool,
    output_format: str,
) -> None:
    """Run the tests of every application in the workflow, in parallel.

    Each PATH is, as for pytest, a test file, folder or id (tests/test_x.py::test_y) that
    narrows the run to the application holding it; or the project: a workflow file, or a
    directory with one (DIR, like -C DIR). With no workflow file, DIR is one pytest project,
    so `orch run .` works where `pytest` does. What follows `--` is passed to the runner
    (`orch run . -- -x --tb=short`). Exit codes: 0 passed, 1 tests failed, 2 usage/config
    error, 4 environment problem, 5 no tests, 130 interrupted (Ctrl-C; continue with
    --resume RUN).
    """
    for option, path in (("--json", json_path), ("--junit-xml", junit_xml)):
        if path is not None:
            check_writable(option, path)
    given = split_arguments(arguments, directory, workflow_file)
    directory, workflow_file = given.directory, given.workflow_file
    narrowing = {
        "paths": list(given.paths),
        "keyword": keyword or "",
        "marker": marker or "",
        "last_failed": last_failed_only,
        "runner_args": list(click.get_current_context().meta.get(RUNNER_ARGS, ())),
    }
    options = RunSpec(
        workers=workers,
        timeout=timeout,
        retries=retries,
        select=select_mode if select_mode != "all" else None,
        base=base,
        head=head,
        apps=tuple(apps) or None,
    )
    if resume:  # a resumed run keeps its workflow, options, selection and narrowing
        directory, workflow_file, options = _resume_spec(directory, resume, options, app)
    workflow = app.workflow(directory, workflow_file).with_overrides(
        workers=options.workers, timeout=options.timeout, retries=options.retries
    )
    workflow = workflow.only(options.apps or ())
    services = app.services(workflow.root)
    try:
        if any(narrowing.values()):  # given now: wins over what a resumed run saved
            filters = _filters(workflow, narrowing, given.base, services.store)
            options = evolve(options, filters=filters)
        if options.filters is not None:
            workflow = narrowed(workflow, options.filters)
            _say_what_cannot_narrow(workflow, app.registry)
        spec = evolve(
            options,
            directory=directory.resolve(),
            workflow=workflow_file.resolve() if workflow_file else None,
        )
        engine = Engine(workflow, services)
        wanted = options.select == "changed" or dry_run
        selection = engine.select(options.base, options.head, strict=strict) if wanted else None
        if dry_run:
            assert selection is not None
            if output_format == "json":
                click.echo(json_text(selection.as_json()))
            else:
                print_selection(selection)
            return
        with make_display(workflow.execution.heartbeat) as display:
            result = engine.execute(
                resume=resume,
                plugins=[display],
                junit_xml=junit_xml,
                json_report=json_path,
                spec=spec,
                selection=selection,
                record_coverage=record_coverage,
                keep_raw_output=keep_raw_output,
                keep_env=keep_env,
            )
        if output_format == "json":
            report = json_report(result, result.record)
            click.echo(json_text(report))
        else:
            print_summary(result)
        if result.interrupted:
            click.echo(
                f"orch: interrupted; what ran is recorded: continue with "
                f"`orch run --resume {result.run_id}`",
                err=True,
            )
        if keep_env and any(a.environment for a in workflow.applications):
            click.echo(
                "orch: environments left up: `orch env status`; `orch env down` removes them",
                err=True,
            )
    finally:
        services.close()
    sys.exit(int(result.exit_code))


def _filters(
    workflow: Workflow, narrowing: dict, base: Path, store: RunStore
) -> dict[str, TestFilter]:
    """The command line's narrowing, one filter per application that runs."""
    failed = None
    if narrowing["last_failed"]:
        failed = last_failed(store, workflow)
        latest = store.latest_run()
        if failed is None:
            seen = f"in run {latest.id}" if latest else "(no run recorded yet)"
            click.echo(f"orch: --lf: no failed tests {seen}; running everything", err=True)
        else:
            click.echo(
                f"orch: --lf: running the {failed.count} failed test(s) of run {failed.run_id}",
                err=True,
            )
    paths = paths_by_app(workflow, narrowing["paths"], base) if narrowing["paths"] else None
    return filters_for(
        workflow,
        paths=paths,
        failed=failed,
        keyword=narrowing["keyword"],
        marker=narrowing["marker"],
        runner_args=narrowing["runner_args"],
    )


def _say_what_cannot_narrow(workflow: Workflow, registry: Registry) -> None:
    """A note for each application whose runner runs it whole whatever the command line says."""
    for app in workflow.applications:
        narrow = app.test_filter
        asked = narrow.paths or narrow.keyword or narrow.marker or narrow.runner_args
        if asked and not registry.runners.get(app.runner).selects_tests:
            click.echo(
                f"orch: note: {safe(app.name)}: the {app.runner} runner cannot narrow by path, "
                "-k, -m or take -- arguments; all its tests run",
                err=True,
            )


def check_writable(option: str, path: Path) -> None:
    """Fail before any test runs when a report could not be written to ``path`` at the end.

    The probe does what the writer will (the missing folders, a temporary file named after the
    report beside it, so an over-long name fails now), then undoes it.
    """
    made: list[Path] = []
    try:
        if path.is_dir():
            raise ConfigError(f"{option} {path}: is a directory; give a file name")
        folder = path.absolute().parent
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        if not folder.is_dir():
            raise ConfigError(f"{option} {path}: {folder} is not a directory; choose another path")
        for folder in reversed(missing):
            folder.mkdir()
            made.append(folder)
        with tempfile.NamedTemporaryFile(dir=path.absolute().parent, prefix=f".{path.name}."):
            pass
        if path.exists():
            with path.open("ab"):
                pass
    except OSError as error:
        raise ConfigError(
            f"{option} {path}: cannot write there ({error.strerror}); choose another path"
        ) from None
    finally:
        for folder in reversed(made):
            folder.rmdir()


def _resume_spec(
    directory: Path, run_id: str, options: RunSpec, app: App
) -> tuple[Path, Path | None, RunSpec]:
    """The directory, workflow file and options a run was started with; new options win."""
    root = directory.resolve()
    services = app.services(root)
    record = services.store.get_run(run_id)
    if record is None:
        raise ConfigError(f"no run '{run_id}' in {services.state_dir} (see `orch runs`)")
    saved = record.spec or RunSpec()
    workflow = saved.workflow or find_workflow_file(root)
    return saved.directory or root, workflow, saved.overridden_by(options)


COMMANDS = [run_command]
