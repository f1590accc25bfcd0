"""orch.core: the use cases of orch (run, status, reports), written against ``orch.ports`` only.

Python API::

    from orch.core import Application, Engine, Environment, Execution, TestData, Workflow

    workflow = Workflow(applications=(Application("payments", Path("apps/payment"), "pytest"),))
    result = Engine(workflow).execute()     # or Engine().execute(workflow, environment, test_data)
    for failure in result.failed_tests:
        print(failure.id, failure.message)

Each name is imported from its module when first asked for (PEP 562 ``__getattr__``): a command
that needs the workflow loader does not pay for the run, selection and triage packages.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

# Imported now: the function ``bootstrap`` shares its name with its module, which would take its
# place here the first time anything imported ``orch.core.bootstrap``.
from orch.core.bootstrap import Services, bootstrap, state_dir_for

_HOMES = {
    "AppSelection": "orch.ports.selection",
    "Application": "orch.ports",
    "Counts": "orch.core.shared.outcomes",
    "Engine": "orch.core.engine",
    "Environment": "orch.core.workflow.environment",
    "EnvironmentState": "orch.core.environment_commands",
    "env_down": "orch.core.environment_commands",
    "env_logs": "orch.core.environment_commands",
    "env_prune": "orch.core.environment_commands",
    "env_status": "orch.core.environment_commands",
    "env_up": "orch.core.environment_commands",
    "Execution": "orch.ports",
    "ExitCode": "orch.core.shared.outcomes",
    "Registry": "orch.core.plugins",
    "RunObserver": "orch.ports.observer",
    "Silent": "orch.ports.observer",
    "RunResult": "orch.core.run.session",
    "RunSession": "orch.core.run.session",
    "RunStatus": "orch.core.run.status",
    "SelectedTest": "orch.ports.selection",
    "Selection": "orch.ports.selection",
    "TestData": "orch.core.data.test_data",
    "TestWorkflow": "orch.core.workflow.test_workflow",
    "Workflow": "orch.core.workflow.model",
    "find_workflow_file": "orch.core.workflow.model",
    "flow_records": "orch.core.run.flow_records",
    "load_registry": "orch.core.plugins",
    "load_workflow": "orch.core.workflow.loading",
    "pytest_directory": "orch.core.workflow.model",
    "recorded_runs": "orch.core.run.status",
    "run_status": "orch.core.run.status",
    "workflow_for": "orch.core.workflow.loading",
}
"""Every public name and the module it comes from."""

__all__ = [
    "AppSelection",
    "Application",
    "Counts",
    "Engine",
    "Environment",
    "EnvironmentState",
    "Execution",
    "ExitCode",
    "Registry",
    "RunObserver",
    "RunResult",
    "RunSession",
    "RunStatus",
    "SelectedTest",
    "Selection",
    "Services",
    "Silent",
    "TestData",
    "TestWorkflow",
    "Workflow",
    "bootstrap",
    "env_down",
    "env_logs",
    "env_prune",
    "env_status",
    "env_up",
    "find_workflow_file",
    "flow_records",
    "load_registry",
    "load_workflow",
    "pytest_directory",
    "recorded_runs",
    "run_status",
    "state_dir_for",
    "workflow_for",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'orch.core' has no attribute '{name}'")
    value = getattr(import_module(home), name)
    globals()[name] = value  # asked once: later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


if TYPE_CHECKING:
    from orch.core.data.test_data import TestData
    from orch.core.engine import Engine
    from orch.core.environment_commands import (
        EnvironmentState,
        env_down,
        env_logs,
        env_prune,
        env_status,
        env_up,
    )
    from orch.core.plugins import Registry, load_registry
    from orch.core.run.flow_records import flow_records
    from orch.core.run.session import RunResult, RunSession
    from orch.core.run.status import RunStatus, recorded_runs, run_status
    from orch.core.shared.outcomes import Counts, ExitCode
    from orch.core.workflow.environment import Environment
    from orch.core.workflow.loading import load_workflow, workflow_for
    from orch.core.workflow.model import Workflow, find_workflow_file, pytest_directory
    from orch.core.workflow.test_workflow import TestWorkflow
    from orch.ports import Application, Execution
    from orch.ports.observer import RunObserver, Silent
    from orch.ports.selection import AppSelection, SelectedTest, Selection
