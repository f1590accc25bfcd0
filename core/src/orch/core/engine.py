"""The Python API: ``Engine(workflow).execute()`` does what ``orch run`` does, without click;
``Engine(workflow).select()`` what ``orch select`` does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from orch.core.bootstrap import Services, bootstrap
from orch.core.changes import change_set
from orch.core.reports import write_json_report, write_junit_xml
from orch.core.run import RunObserver, RunResult, RunSession
from orch.core.selection import Selection, Selector
from orch.core.workflow import Workflow
from orch.ports import ConfigError, MissingHistory, NotARepository, OrchError


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
        if junit_xml is not None:
            write_junit_xml(result, junit_xml)
        if json_report is not None:
            write_json_report(result, json_report, services.store.get_run(result.run_id))
        return result

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
