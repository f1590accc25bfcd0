"""The Python API: ``Engine(workflow).execute()`` does what ``orch run`` does, without click;
``Engine(workflow).select()`` what ``orch select`` does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from attrs import evolve

from orch.core.bootstrap import Services, bootstrap
from orch.core.report.files import write_json_report, write_junit_xml
from orch.core.run.observer import RunObserver
from orch.core.run.session import RunResult, RunSession
from orch.core.select.changes import change_set, relative_prefix
from orch.core.select.selection import Selection, Selector
from orch.core.shared.redaction import redactor_for
from orch.core.triage.analysis import TRIAGED, TriageReport, outcomes_at, triage
from orch.core.workflow.model import Workflow
from orch.ports import (
    ConfigError,
    MissingHistory,
    NotARepository,
    OrchError,
    Outcome,
    Store,
    StoreProblem,
    TestResult,
)


class Engine:
    """Runs a workflow with the installed adapters, or with the ones given (e.g. fakes)."""

    def __init__(self, workflow: Workflow, services: Services | None = None) -> None:
        self.workflow = workflow
        self.services = services or bootstrap(workflow.root)

    def select(
        self,
        base: str | None = None,
        head: str | None = None,
        apps: Sequence[str] = (),
        strict: bool = False,
    ) -> Selection:
        """The tests the change from ``base`` to ``head`` (default: the working tree) can break.

        Without version control, or when the base is missing from a shallow clone, everything
        is selected and each application says why: selecting too much is safe, too little not.
        ``strict`` makes a changed file that no application claims a ConfigError (for CI).
        """
        for name in apps:
            self.workflow.app(name)
        vcs = self.services.vcs
        registry = self.services.registry
        selector = Selector(
            self.workflow,
            vcs=vcs,
            store=self.services.store,
            runners=dict(self.services.runners),
            state_dir=self.services.state_dir,
            impacts=[registry.get("impact", name)() for name in registry.names("impact")],
        )
        if vcs is None:
            return selector.everything("no version-control adapter is installed", apps)
        try:
            changes = change_set(self.workflow, vcs, base, head, claims=selector.claims())
        except (NotARepository, MissingHistory) as problem:
            return selector.everything(f"{problem}; selected every test", apps)
        if strict and changes.outside:
            shown = ", ".join(changes.outside[:5]) + (", ..." if len(changes.outside) > 5 else "")
            raise ConfigError(
                f"--strict: {len(changes.outside)} changed file(s) in no application ({shown}); "
                "add their folder to an application's path or pytest pythonpath, "
                "or run without --strict"
            )
        return selector.select(changes, apps)

    def execute(
        self,
        *,
        resume: str | None = None,
        observer: RunObserver | None = None,
        junit_xml: Path | None = None,
        json_report: Path | None = None,
        spec: str = "",
        selection: Selection | None = None,
        record_coverage: bool = False,
        keep_raw_output: bool = False,
    ) -> RunResult:
        """Run the workflow (or resume run ``resume``) and write the requested reports.

        ``selection`` runs only the selected tests, highest risk first; ``record_coverage``
        records which lines each test runs, for coverage-based selection later;
        ``keep_raw_output`` keeps the shards' unredacted output files in ``.orch/runs/RUN/``.
        """
        services = self.services
        app_commits = self.app_commits()
        commit = run_commit(app_commits)
        apps = [app.name for app in self.workflow.applications]
        before = outcomes_at(services.store, apps, commit) if commit else {}
        session = RunSession(
            self.workflow,
            runners=services.runners,
            executor=services.executor,
            store=services.store,
            state_dir=services.state_dir,
            observer=observer,
            commit=commit,
            spec=spec,
            selection=selection,
            coverage_stale=self._stale_files() if record_coverage else None,
            app_commits=app_commits,
            keep_raw_output=keep_raw_output,
        )
        result = session.execute(resume=resume)
        try:
            stored = None if result.unstored else services.store
            report = self._triage(result.results, result.run_id, commit, before, selection, stored)
        except StoreProblem as problem:  # the store broke after the run's last write
            result = result.not_stored(str(problem))
            report = self._triage(result.results, result.run_id, commit, before, selection, None)
        result = evolve(result, triage=report)
        if junit_xml is not None:
            result = _written(result, junit_xml, write_junit_xml)
        if json_report is not None:
            result = _written(
                result, json_report, lambda done, path: write_json_report(done, path, done.record)
            )
        return result

    def app_commits(self) -> dict[str, str]:
        """Each application's HEAD in its own repository (left out outside version control);
        ``run_commit`` of it is the commit a run is recorded under."""
        vcs = self.services.vcs
        if vcs is None:
            return {}
        heads: dict[Path, str] = {}
        commits = {}
        for app in self.workflow.applications:
            try:
                repository = vcs.root(app.path)
                if repository not in heads:
                    heads[repository] = vcs.head(repository)
            except OrchError:
                continue
            commits[app.name] = heads[repository]
        return commits

    def triage_run(self, run_id: str) -> TriageReport:
        """Triage a recorded run again (``orch triage --run``): its history is not counted twice."""
        record = self.services.store.get_run(run_id)
        if record is None:
            raise ConfigError(f"no run '{run_id}' recorded")
        redact = redactor_for(self.workflow).result  # a run recorded before orch redacted
        results = [redact(result) for result in self.services.store.final_results(run_id)]
        return self._triage(results, run_id, record.commit, store=self.services.store)

    def _triage(
        self,
        results: Sequence[TestResult],
        run_id: str,
        commit: str,
        before: dict[tuple[str, str], Outcome] | None = None,
        selection: Selection | None = None,
        store: Store | None = None,
    ) -> TriageReport:
        """Triage a run's failures: categories, root causes, history, suggestions, owners.

        The change under test (for "likely caused by your change") is the selection's, or the
        working tree against HEAD, asked of the Vcs only when something failed; ``before`` are
        the outcomes of the previous run of this commit, so a test that passed there makes its
        failure a regression; ``store`` gives the failures' history and keeps them (none: a
        store that failed).
        """
        failing = any(result.outcome in TRIAGED for result in results)
        return triage(
            results,
            self.workflow.triage,
            store=store,
            run_id=run_id,
            commit=commit,
            before=before,
            changed=self._change_for_triage(selection) if failing else [],
            owner_paths={
                app.name: relative_prefix(app.path, self.workflow.root)
                for app in self.workflow.applications
            },
        )

    def _change_for_triage(self, selection: Selection | None) -> list[tuple[str, str]]:
        vcs = self.services.vcs
        if vcs is None:
            return []
        try:
            changes = change_set(
                self.workflow, vcs, base=(selection.base if selection else "") or "HEAD"
            )
        except OrchError:
            return []
        return [(app, change.path) for app, files in changes.apps.items() for change in files]

    def _stale_files(self) -> dict[str, tuple[str, ...]]:
        """Per application, the files that differ from HEAD: their coverage is not HEAD's."""
        vcs = self.services.vcs
        if vcs is None:
            raise ConfigError("--record-coverage needs a version-control adapter (orch-git)")
        try:
            dirty = change_set(self.workflow, vcs, base="HEAD")
        except OrchError as problem:
            raise ConfigError(f"--record-coverage needs a git repository: {problem}") from None
        return {app: tuple(change.path for change in files) for app, files in dirty.apps.items()}


def _written(result: RunResult, path: Path, write: Callable[[RunResult, Path], None]) -> RunResult:
    """``result`` once its report is written to ``path``; a report that cannot be written (its
    folder replaced or made read-only during the run: it was checked before) is a problem of
    the run, said in its summary and the other reports, not an end without any."""
    try:
        write(result, path)
    except OSError as error:
        return result.lacking(f"{path}: the report could not be written ({error.strerror})")
    return result


def run_commit(app_commits: dict[str, str]) -> str:
    """The commit a run is recorded under: the one its applications share, or theirs joined
    with ``+`` (sorted) when they live in repositories of their own, so that the same state of
    every repository is the same run commit."""
    return "+".join(sorted({commit for commit in app_commits.values() if commit}))
