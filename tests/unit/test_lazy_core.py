"""``orch.core``'s public names arrive from their modules when first asked for (PEP 562): every
name exported stays importable and listed, and importing the package loads none of the use cases.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import orch.core

EXPORTED = [
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
"""What ``orch.core`` exported before its names became lazy, and ``Environment`` since."""


def _fresh(code: str) -> object:
    """What ``code`` (run in a new interpreter) prints as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout)


def test_every_exported_name_is_importable_and_listed() -> None:
    assert sorted(orch.core.__all__) == EXPORTED
    assert set(EXPORTED) <= set(dir(orch.core))
    code = f"from orch.core import {', '.join(EXPORTED)}; import json; print(json.dumps(1))"
    assert _fresh(code) == 1


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchName"):
        orch.core.NoSuchName  # noqa: B018


def test_importing_the_package_loads_no_use_case() -> None:
    modules = _fresh("import json, sys, orch.core; print(json.dumps(sorted(sys.modules)))")
    assert isinstance(modules, list)
    loaded = [
        m
        for m in modules
        if m.startswith(
            ("orch.core.run", "orch.core.select", "orch.core.triage", "orch.core.engine")
        )
    ]
    assert loaded == []


def test_bootstrap_stays_the_function_once_its_module_is_imported() -> None:
    code = (
        "import json, orch.core.bootstrap, orch.core.engine\n"
        "from orch.core import bootstrap\n"
        "print(json.dumps(callable(bootstrap) and bootstrap.__name__ == 'bootstrap'))"
    )
    assert _fresh(code) is True
