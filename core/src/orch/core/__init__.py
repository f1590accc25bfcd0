"""orch.core: the use cases of orch (run, status, reports), written against ``orch.ports`` only.

Python API::

    from orch.core import Application, Engine, Execution, Workflow

    workflow = Workflow(applications=(Application("payments", Path("apps/payment"), "pytest"),))
    result = Engine(workflow).execute()
    for failure in result.failed_tests:
        print(failure.id, failure.message)
"""

from orch.core.bootstrap import Services, bootstrap, state_dir_for
from orch.core.engine import Engine
from orch.core.plugins import Registry, load_registry
from orch.core.run.observer import RunObserver, Silent
from orch.core.run.session import RunResult, RunSession
from orch.core.run.status import RunStatus, recorded_runs, run_status
from orch.core.select.selection import AppSelection, SelectedTest, Selection
from orch.core.shared.outcomes import Counts, ExitCode
from orch.core.workflow.loading import load_workflow, workflow_for
from orch.core.workflow.model import Workflow, find_workflow_file, pytest_directory
from orch.ports import Application, Execution

__all__ = [
    "AppSelection",
    "Application",
    "Counts",
    "Engine",
    "Execution",
    "ExitCode",
    "Registry",
    "RunObserver",
    "Silent",
    "RunResult",
    "RunSession",
    "RunStatus",
    "SelectedTest",
    "Selection",
    "Services",
    "Workflow",
    "bootstrap",
    "find_workflow_file",
    "load_registry",
    "load_workflow",
    "pytest_directory",
    "recorded_runs",
    "run_status",
    "state_dir_for",
    "workflow_for",
]
