"""The reset hook of a pool: the command lines that make a warm environment clean again before
a run is handed it (truncating tables, flushing a cache).

Each line runs through ``sh -c`` on the machine, in the workflow's directory, with orch's
environment plus the environment's ``ORCH_<SERVICE>_*`` variables (``variables``), one after the
other, each for at most ``RESET_TIMEOUT`` seconds. The first that fails stops the reset and is
said in one line with the last lines it printed.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from orch.core.environment.variables import service_variables
from orch.ports import Endpoint

RESET_TIMEOUT = 300.0
"""Seconds one reset command line may take."""

TAIL_LINES = 5
"""How many of its last lines of output a failed reset command shows."""


def reset(
    commands: Sequence[str],
    root: Path,
    endpoints: Mapping[str, Endpoint],
    timeout: float = RESET_TIMEOUT,
) -> str | None:
    """Run ``commands`` against the services at ``endpoints``; None when every one exited 0,
    else one line saying which failed, how, and the tail of its output."""
    env = {**os.environ, **service_variables(endpoints)}
    for command in commands:
        child = subprocess.Popen(
            ["sh", "-c", command],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            output, _ = child.communicate()
            return _failed(command, f"did not end within {timeout:g} s", output)
        if child.returncode != 0:
            return _failed(command, f"exited with status {child.returncode}", output)
    return None


def _failed(command: str, how: str, output: bytes) -> str:
    lines = output.decode("utf-8", "replace").splitlines()
    tail = " | ".join(line.strip() for line in lines[-TAIL_LINES:] if line.strip())
    shown = command if len(command) <= 80 else command[:77] + "..."
    return f"reset {shown!r} {how}" + (f": {tail}" if tail else " (it printed nothing)")
