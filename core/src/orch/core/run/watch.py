"""Watching the services of the environments that are up: a daemon thread per environment asks
each service, every ``WATCH_SECONDS``, whether it ended and what it used, writes the usage to the
run's ``UsageFile`` and keeps the first death it sees, which the run's loop picks up.

A provisioner's answers can take a second (``docker stats``): they are never asked on the run's
own thread. A watch is stopped before its environment is taken down on purpose, and a death seen
after that is no death.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from attrs import frozen

from orch.core.run.environment_usage import ServiceUse, UsageFile
from orch.ports import RunningService

WATCH_SECONDS = 0.5
LOG_LINES = 20
"""The last lines of a dead service's output that its tests' errors show."""


@frozen
class Death:
    """Service ``service`` of ``environment`` ended during the run: ``how`` (its provisioner's
    words, "exited with status 1") and its last lines of output."""

    environment: str
    service: str
    how: str
    logs: str

    def said(self) -> str:
        return f"environment '{self.environment}': service '{self.service}' died during the run"


class Watch:
    """Watches the ``services`` of environment ``name`` until stopped or one of them dies."""

    def __init__(
        self,
        name: str,
        services: Mapping[str, RunningService],
        usage: UsageFile,
        seconds: float = WATCH_SECONDS,
    ) -> None:
        self.name = name
        self.services = services
        self.usage = usage
        self.seconds = seconds
        self.death: Death | None = None
        self._used: dict[str, ServiceUse] = {}
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name=f"watch {name}")
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        while not self._stopped.is_set():
            death = self._death()
            if self._stopped.is_set():
                return  # taken down on purpose while asked
            if death is not None:
                self.death = death
                return
            self._sample()
            self.usage.sampled(self.name, self._used.values())
            self._stopped.wait(self.seconds)

    def _death(self) -> Death | None:
        for name, service in self.services.items():
            try:
                how = service.ended()
            except Exception as error:  # a container removed behind orch's back is gone too
                how = f"its provisioner cannot find it any more ({error})"
            if how is not None:
                return Death(self.name, name, how, _last_lines(service))
        return None

    def _sample(self) -> None:
        for name, service in self.services.items():
            try:
                used = service.usage()
            except Exception:  # noqa: S112 - a sample missed is taken again next time
                continue
            before = self._used.get(name, ServiceUse(name))
            peak = max(before.peak_memory, used.peak_memory, used.memory)
            self._used[name] = ServiceUse(name, used.cpu_seconds, used.memory, peak)


class Watching:
    """The watches of a run's environments, by environment name."""

    def __init__(self, usage: UsageFile, seconds: float = WATCH_SECONDS) -> None:
        self.usage = usage
        self.seconds = seconds
        self._watches: dict[str, Watch] = {}

    def watch(self, name: str, services: Mapping[str, RunningService]) -> None:
        self._watches[name] = Watch(name, services, self.usage, self.seconds)

    def deaths(self) -> list[Death]:
        """The deaths seen since the last look (their watches have ended)."""
        found = []
        for name, watch in list(self._watches.items()):
            if watch.death is not None:
                del self._watches[name]
                self.usage.mark(name, "died")
                found.append(watch.death)
        return found

    def stop(self, name: str) -> None:
        """Environment ``name`` is about to be taken down."""
        watch = self._watches.pop(name, None)
        if watch is not None:
            watch.stop()
            self.usage.mark(name, "down")

    def close(self) -> None:
        for name in list(self._watches):
            self.stop(name)


def _last_lines(service: RunningService) -> str:
    try:
        return service.logs(LOG_LINES)
    except Exception:  # its output is gone with it: the death is still said
        return ""
