"""Narrowing a run the way pytest's command line does: to paths and test ids, by expression,
to what failed last, with extra arguments for the runner.

The command line's words become one ``TestFilter`` per application (see ``orch.ports``). What
the words mean to a framework (a ``-k`` expression, a ``file::test`` id) is the runner's to
interpret; core only finds the application a path lies in and keeps the ``tests`` ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from attrs import evolve, frozen

from orch.core.workflow.model import WORKFLOW_FILES, Workflow, find_workflow_file
from orch.ports import Application, ConfigError, Outcome, RunStore, TestFilter
from orch.ports.simulator import expectation_of

WORKFLOW_SUFFIXES = frozenset(Path(name).suffix for name in WORKFLOW_FILES)
"""A file argument with one of these suffixes is a workflow file (``orch run ci/nightly.yaml``)."""

LAST_FAILED = frozenset({Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT})
"""The outcomes ``--lf`` runs again: what failed, errored or timed out."""


@frozen
class Arguments:
    """What ``orch run``'s positional arguments name: the project (its directory and workflow
    file, if any) and the test paths that narrow it (``tests/test_x.py::test_y``), relative to
    ``base``."""

    directory: Path
    workflow_file: Path | None
    paths: tuple[str, ...]
    base: Path


def split_arguments(
    arguments: Sequence[str], directory: Path | None, workflow_file: Path | None
) -> Arguments:
    """Tell the project from the test paths among ``arguments``, as ``pytest`` would take them.

    A workflow file (any ``.yaml``, ``.yml`` or ``.json``), or a directory holding one, is the
    project; so is a lone directory when
    there is no workflow file at all (``orch run DIR``: DIR is one pytest project). Everything
    else is a test path. ``directory`` (``-C``) and ``workflow_file`` (``-w``) are the options;
    as with ``git -C``, the arguments are relative to ``directory`` when it is given.
    """
    base = directory if directory is not None else Path.cwd()
    paths: list[str] = []
    for argument in arguments:
        candidate = base / argument
        if candidate.suffix in WORKFLOW_SUFFIXES and candidate.is_file():
            workflow_file = _once("workflow file", workflow_file, candidate)
        elif candidate.is_dir() and find_workflow_file(candidate) is not None:
            directory = _once("project directory", directory, candidate)
        else:
            paths.append(argument)
    no_workflow = workflow_file is None and directory is None and find_workflow_file(base) is None
    if no_workflow and len(paths) == 1 and "::" not in paths[0] and (base / paths[0]).is_dir():
        return Arguments(base / paths[0], None, (), base)
    return Arguments(
        directory if directory is not None else base, workflow_file, tuple(paths), base
    )


def _once(what: str, given: Path | None, found: Path) -> Path:
    if given is not None and given.resolve() != found.resolve():
        raise ConfigError(f"two of a kind: {what} {given} and {found}; give one")
    return found


def paths_by_app(workflow: Workflow, paths: Sequence[str], cwd: Path) -> dict[str, tuple[str, ...]]:
    """Per application a path picks, the app-relative paths it narrows to (``()``: all of it).

    Paths are relative to ``cwd`` as pytest's are; a path lies in the application whose folder
    holds it (the innermost one), and a folder holding applications picks each of them whole.
    """
    chosen: dict[str, list[str]] = {}
    whole: set[str] = set()
    for text in paths:
        file, sep, rest = text.partition("::")
        where = (cwd / file).resolve()
        if not where.exists():
            raise ConfigError(f"{text}: no such file or directory (relative to {cwd})")
        app = _holder(workflow.applications, where)
        if app is not None:
            relative = where.relative_to(app.path).as_posix()
            if relative == "." and not sep:
                whole.add(app.name)
            else:
                chosen.setdefault(app.name, []).append(f"{relative}{sep}{rest}")
            continue
        inside = [a.name for a in workflow.applications if where in a.path.parents]
        if inside and not sep:
            whole.update(inside)
            continue
        listed = ", ".join(f"{a.name} in {a.path}" for a in workflow.applications)
        raise ConfigError(
            f"{text}: in no application of {workflow.source or workflow.root} "
            f"(applications: {listed})"
        )
    picked: dict[str, tuple[str, ...]] = {name: () for name in whole}
    picked.update({name: tuple(p) for name, p in chosen.items() if name not in whole})
    return picked


def _holder(apps: Sequence[Application], where: Path) -> Application | None:
    holding = [a for a in apps if a.path == where or a.path in where.parents]
    return max(holding, key=lambda a: len(a.path.parts), default=None)


@frozen
class LastFailed:
    """What ``--lf`` found: the run it looked at and, per application, its failing test ids and
    their files (empty ids: the whole application failed, e.g. its interpreter was missing)."""

    run_id: str
    tests: dict[str, tuple[str, ...]]
    files: dict[str, tuple[str, ...]]

    @property
    def count(self) -> int:
        """How many tests will run again (an application that failed whole counts once)."""
        return sum(len(ids) or 1 for ids in self.tests.values())


def last_failed(store: RunStore, workflow: Workflow) -> LastFailed | None:
    """The tests that failed, errored or timed out in the latest recorded run, by application
    of ``workflow``; None when there is no run or nothing failed in it (then all run, as
    ``pytest --lf`` does). An application whose failing file cannot be found by its name (gone,
    or a name the runner escaped) gets no files: its whole collection is searched for the ids.
    A simulator's expectation that failed is not a test: no runner can run it again, and a run
    of everything checks it again."""
    record = store.latest_run()
    if record is None:
        return None
    names = {app.name: app for app in workflow.applications}
    tests: dict[str, list[str]] = {}
    files: dict[str, list[str]] = {}
    whole: set[str] = set()
    unlocated: set[str] = set()  # a file not found as named (escaped, or gone): collect it all
    for result in store.final_results(record.id):
        if result.outcome not in LAST_FAILED or result.app not in names or expectation_of(result):
            continue  # a simulator's expectation is no test to run: a run checks them all
        tests.setdefault(result.app, []).append(result.nodeid)
        if result.nodeid == result.app:  # an error of the application itself, not of a test
            whole.add(result.app)
        if result.file and (names[result.app].path / result.file).exists():
            files.setdefault(result.app, []).append(result.file)
        else:
            unlocated.add(result.app)
    if not tests:
        return None
    return LastFailed(
        record.id,
        {app: () if app in whole else tuple(ids) for app, ids in tests.items()},
        {
            app: tuple(dict.fromkeys(found))
            for app, found in files.items()
            if app not in whole | unlocated
        },
    )


def filters_for(
    workflow: Workflow,
    *,
    paths: Mapping[str, tuple[str, ...]] | None = None,
    failed: LastFailed | None = None,
    keyword: str = "",
    marker: str = "",
    runner_args: Sequence[str] = (),
) -> dict[str, TestFilter]:
    """One filter per application that runs: those ``paths`` pick (all when None) and, with
    ``failed``, only those that failed; each with the expressions and runner arguments."""
    filters = {}
    for app in workflow.applications:
        if paths is not None and app.name not in paths:
            continue
        if failed is not None and app.name not in failed.tests:
            continue
        chosen = paths.get(app.name, ()) if paths is not None else ()
        tests = failed.tests[app.name] if failed is not None else ()
        if failed is not None and tests and not chosen:
            chosen = failed.files.get(app.name, ())  # collect only the files that failed
        filters[app.name] = TestFilter(
            paths=chosen,
            keyword=keyword,
            marker=marker,
            tests=tests,
            runner_args=tuple(runner_args),
        )
    return filters


def narrowed(workflow: Workflow, filters: Mapping[str, TestFilter]) -> Workflow:
    """The workflow with only the applications ``filters`` names, each narrowed by its filter."""
    return evolve(
        workflow,
        applications=tuple(
            evolve(app, test_filter=filters[app.name])
            for app in workflow.applications
            if app.name in filters
        ),
    )
