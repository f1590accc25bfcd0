"""Which Python runs an app's tests, and the environment that puts the event plugin in reach."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from orch.ports import Application, EnvironmentProblem, MissingProgram

INJECT_DIR = Path(__file__).parent / "inject"
"""The directory holding only ``orch_pytest_events.py``; it goes first on the app's PYTHONPATH."""

EVENT_PLUGIN = "orch_pytest_events"
"""Module name of the event plugin, as given to ``pytest -p``."""


def resolve_python(app: Application, python: str | None) -> str:
    """The interpreter for ``app``: an absolute path, one relative to the app, or a command."""
    if not app.path.is_dir():
        raise EnvironmentProblem(
            f"app '{app.name}': directory {app.path} does not exist; fix its path in the workflow"
        )
    if python is None:
        return sys.executable
    candidate = app.path / python
    if candidate.is_file():
        return str(candidate.absolute())
    found = shutil.which(python) if os.sep not in python else None
    if found is None:
        raise MissingProgram(
            f"app '{app.name}': Python interpreter {candidate} does not exist; "
            "fix runner.pytest.python in the workflow or create that environment"
        )
    return found


def plugin_env(app: Application) -> dict[str, str]:
    """``app.env`` with the event plugin's directory prepended to its PYTHONPATH."""
    inherited = app.env.get("PYTHONPATH")
    pythonpath = os.pathsep.join([str(INJECT_DIR), inherited] if inherited else [str(INJECT_DIR)])
    return {**app.env, "PYTHONPATH": pythonpath}


def pytest_missing(python: str, app: Application) -> bool:
    """True when ``python`` cannot import pytest (asked only after pytest failed to start)."""
    probe = subprocess.run(
        [python, "-c", "import importlib.util as u, sys; sys.exit(not u.find_spec('pytest'))"],
        cwd=app.path,
        env={**os.environ, **app.env},
        capture_output=True,
    )
    return probe.returncode != 0
