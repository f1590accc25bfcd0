"""The Python API: ``Engine(workflow).execute()`` does what ``orch run`` does, without click."""

from __future__ import annotations

from pathlib import Path

from orch.core.bootstrap import Services, bootstrap
from orch.core.reports import write_json_report, write_junit_xml
from orch.core.run import RunObserver, RunResult, RunSession
from orch.core.workflow import Workflow


class Engine:
    """Runs a workflow with the installed adapters, or with the ones given (e.g. fakes)."""

    def __init__(self, workflow: Workflow, services: Services | None = None) -> None:
        self.workflow = workflow
        self.services = services or bootstrap(workflow.root)

    def execute(
        self,
        *,
        resume: str | None = None,
        observer: RunObserver | None = None,
        junit_xml: Path | None = None,
        json_report: Path | None = None,
        spec: str = "",
    ) -> RunResult:
        """Run the workflow (or resume run ``resume``) and write the requested reports."""
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
        )
        result = session.execute(resume=resume)
        if junit_xml is not None:
            write_junit_xml(result, junit_xml)
        if json_report is not None:
            write_json_report(result, json_report, services.store.get_run(result.run_id))
        return result
