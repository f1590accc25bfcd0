"""One started container as a ``RunningService``: its ports, whether its server listens, commands
run beside it, its output, how it ended and what it used."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence

from docker.errors import NotFound
from docker.models.containers import Container

from orch.adapters.docker.containers import HOST
from orch.adapters.docker.listening import listens
from orch.ports import Usage

POLL_SECONDS = 0.05
"""How often ``run`` looks whether its command has ended."""


class ContainerService:
    """A service running as ``container``; ``ports`` maps container ports to host ports."""

    host = HOST

    def __init__(self, name: str, container: Container, ports: Mapping[int, int]) -> None:
        self.name = name
        self.container = container
        self.ports: Mapping[int, int] = dict(ports)

    def listening(self, port: int) -> bool:
        state = self._state()
        return bool(state.get("Running")) and listens(int(state["Pid"]), port)

    def run(self, command: Sequence[str], timeout: float) -> int:
        api = self.container.client.api
        execution = api.exec_create(self.container.id, list(command))
        api.exec_start(execution["Id"], detach=True)
        deadline = time.monotonic() + timeout
        while True:
            found = api.exec_inspect(execution["Id"])
            if not found["Running"] and found["ExitCode"] is not None:
                return int(found["ExitCode"])
            if time.monotonic() > deadline:
                _kill(int(found.get("Pid") or 0))
                return -1
            time.sleep(POLL_SECONDS)

    def logs(self, tail: int = 0) -> str:
        output = self.container.logs(tail=tail if tail > 0 else "all")
        return output.decode("utf-8", "replace")

    def ended(self) -> str | None:
        state = self._state()
        if state.get("Status") in ("created", "running", "restarting", "paused"):
            return None
        status = state.get("ExitCode")
        if state.get("Status") == "removed":
            return "was removed"
        if state.get("OOMKilled"):
            return f"killed: out of memory (exited with status {status})"
        return f"exited with status {status}"

    def usage(self) -> Usage:
        stats = self.container.stats(stream=False, one_shot=True)
        cpu = stats.get("cpu_stats", {}).get("cpu_usage", {}).get("total_usage", 0)
        memory = stats.get("memory_stats", {})
        now = int(memory.get("usage") or 0)
        peak = int(memory.get("max_usage") or 0)  # cgroup v1 only: else the watcher's highest
        return Usage(cpu_seconds=cpu / 1e9, memory=now, peak_memory=max(now, peak) if peak else 0)

    def _state(self) -> dict:
        """The container's state; ``{"Status": "removed"}`` once it is gone."""
        try:
            self.container.reload()
        except NotFound:
            return {"Status": "removed"}
        return dict(self.container.attrs["State"])


def _kill(pid: int) -> None:
    """Kill an exec'd process that outlived its timeout (its host pid; 0: already gone)."""
    if pid > 0:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
