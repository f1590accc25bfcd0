"""The Python API: ``Engine(workflow).execute()`` does what ``orch run`` does, without click;
``Engine(workflow).select()`` what ``orch select`` does."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from attrs import evolve

from orch.core.bootstrap import Services, bootstrap
from orch.core.changes import change_set
from orch.core.reports import write_json_report, write_junit_xml
from orch.core.run import RunObserver, RunResult, RunSession
from orch.core.selection import Selection, Selector
from orch.core.triage import TriageReport, outcomes_at, triage
from orch.core.workflow import Workflow
from orch.ports import ConfigError, MissingHistory, NotARepository, OrchError, Outcome


class Engine:
    """Runs a workflow with the installed adapters, or with the ones given (e.g. fakes)."""

    def __init__(self, workflow: Workflow, services: Services | None = None) -> None:
        self.workflow = workflow
        self.services = services or bootstrap(workflow.root)

    def select(
        self, base: str | None = None, head: str | None = None, apps: Sequence[str] = ()
    ) -> Selection:
        """The tests the change from ``base`` to ``head`` (default: the working tree) can break.

        Without version control, or when the base is missing from a shallow clone, everything
        is selected and each application says why: selecting too much is safe, too little not.
        """
        for name in apps:
            self.workflow.app(name)
        vcs = self.services.vcs
        selector = Selector(
            self.workflow,
            vcs=vcs,
            store=self.services.store,
            runners=dict(self.services.runners),
            state_dir=self.services.state_dir,
        )
        if vcs is None:
            return selector.everything("no version-control adapter is installed", apps)
        try:
            changes = change_set(self.workflow, vcs, base, head)
        except (NotARepository, MissingHistory) as problem:
            return selector.everything(f"{problem}; selected every test", apps)
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
    ) -> RunResult:
        """Run the workflow (or resume run ``resume``) and write the requested reports.

        ``selection`` runs only the selected tests, highest risk first; ``record_coverage``
        records which lines each test runs, for coverage-based selection later.
        """
        services = self.services
        commit = services.commit_of(self.workflow.root)
        apps = [app.name for app in self.workflow.applications]
        before = outcomes_at(services.store, apps, commit) if commit else {}
        session = RunSession(
            self.workflow,
            runners=services.runners,
            executor=services.executor,
            store=services.store,
            state_dir=services.state_dir,
            observer=observer,
            commit=services.commit_of(self.workflow.root),
            spec=spec,
            selection=selection,
            coverage_stale=self._stale_files() if record_coverage else None,
        )
        result = session.execute(resume=resume)
        result = evolve(result, triage=self.triage(result, selection, before))
        if junit_xml is not None:
            write_junit_xml(result, junit_xml)
        if json_report is not None:
            write_json_report(result, json_report, services.store.get_run(result.run_id))
        return result

    def triage(
        self,
        result: RunResult,
        selection: Selection | None = None,
        before: dict[tuple[str, str], Outcome] | None = None,
    ) -> TriageReport:
        """Triage a run's failures: categories, root causes, history, suggestions, owners.

        The change under test (for "likely caused by your change") is the selection's, or the
        working tree against HEAD; ``before`` are the outcomes of the previous run of this
        commit, so a test that passed there makes its failure a regression.
        """
        root = self.workflow.root
        owner_paths = {app.name: _prefix(app.path, root) for app in self.workflow.applications}
        return triage(
            result.results,
            self.workflow.triage,
            store=self.services.store,
            run_id=result.run_id,
            commit=self.services.commit_of(root),
            before=before,
            changed=self._change_for_triage(selection),
            owner_paths=owner_paths,
        )

    def triage_run(self, run_id: str) -> TriageReport:
        """Triage a recorded run again (``orch triage --run``): its history is not counted twice."""
        record = self.services.store.get_run(run_id)
        if record is None:
            raise ConfigError(f"no run '{run_id}' recorded")
        results = tuple(self.services.store.final_results(run_id))
        return triage(
            results,
            self.workflow.triage,
            store=self.services.store,
            run_id=run_id,
            commit=record.commit,
            changed=self._change_for_triage(None),
            owner_paths={
                app.name: _prefix(app.path, self.workflow.root)
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


def _prefix(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as a CODEOWNERS prefix (``apps/pay/``; "" for root itself)."""
    relative = os.path.relpath(path.resolve(), root.resolve()).replace(os.sep, "/")
    return "" if relative == "." else relative + "/"
