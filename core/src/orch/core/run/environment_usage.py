"""What each environment of a run uses (CPU seconds, memory now and at its peak, per service and
summed), in ``<state>/runs/<run>/environments.json``: the run's watcher writes it about every
half second while the environment is up, and leaves it there at the end, so ``orch status`` reads
it from another terminal during the run and after it.

A file beside the run and not the store: the samples come from threads other than the run's,
many times a second across environments, and are worth nothing to history; the store's writes
stay on the run's own thread, in its batches.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from attrs import evolve, frozen

from orch.ports import ConfigError

USAGE_FILE = "environments.json"


@frozen
class ServiceUse:
    """One service's CPU seconds so far, its memory now and the highest seen (bytes)."""

    name: str
    cpu_seconds: float = 0.0
    memory: int = 0
    peak_memory: int = 0


@frozen
class EnvironmentUse:
    """One environment: ``state`` is ``up``, ``died`` (a service died; being replaced, or its
    tests are errors) or ``down``; ``replaced`` how many times it was replaced."""

    name: str
    state: str = "up"
    services: tuple[ServiceUse, ...] = ()
    replaced: int = 0

    @property
    def cpu_seconds(self) -> float:
        return sum(service.cpu_seconds for service in self.services)

    @property
    def memory(self) -> int:
        return sum(service.memory for service in self.services)

    @property
    def peak_memory(self) -> int:
        """The sum of each service's peak (they need not have peaked at once)."""
        return sum(service.peak_memory for service in self.services)


def usage_file(state_dir: Path, run_id: str) -> Path:
    return state_dir / "runs" / run_id / USAGE_FILE


class UsageFile:
    """The environments of one run as last sampled, rewritten whole (atomically) on each change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._uses: dict[str, EnvironmentUse] = {}
        self._lock = threading.Lock()

    def sampled(self, name: str, services: Iterable[ServiceUse]) -> None:
        """``name``'s services used this much so far (its state is what ``mark`` said last: a
        sample taken as it was being taken down does not make it up again)."""
        with self._lock:
            use = self._uses.get(name, EnvironmentUse(name))
            sampled = evolve(use, services=tuple(services))
            if sampled != use:  # an idle environment's samples repeat: no write each half second
                self._uses[name] = sampled
                self._write()

    def mark(self, name: str, state: str) -> None:
        """``name`` is now ``state``; ``replaced`` counts one more replacement."""
        with self._lock:
            use = self._uses.get(name, EnvironmentUse(name))
            if state == "replaced":
                use, state = evolve(use, replaced=use.replaced + 1), "up"
            self._uses[name] = evolve(use, state=state)
            self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        written = self.path.with_name(self.path.name + ".new")
        text = json.dumps({name: usage_json(use) for name, use in self._uses.items()}, indent=1)
        written.write_text(text)
        os.replace(written, self.path)


def read_usage(path: Path) -> tuple[EnvironmentUse, ...]:
    """The environments ``path`` holds (none when there is no such file)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return ()
    try:
        data = json.loads(text)
        return tuple(_from_json(name, use) for name, use in data.items())
    except (ValueError, AttributeError, KeyError, TypeError) as error:
        raise ConfigError(
            f"{path}: not the environments' usage orch writes ({error}); delete the file"
        ) from None


def usage_json(use: EnvironmentUse) -> dict:
    """``use`` as JSON data, its services keyed by name (the file's, and ``orch status``'s)."""
    return {
        "state": use.state,
        "replaced": use.replaced,
        "cpu_seconds": use.cpu_seconds,
        "memory": use.memory,
        "peak_memory": use.peak_memory,
        "services": {
            service.name: {
                "cpu_seconds": service.cpu_seconds,
                "memory": service.memory,
                "peak_memory": service.peak_memory,
            }
            for service in use.services
        },
    }


def _from_json(name: str, use: Mapping) -> EnvironmentUse:
    services = tuple(
        ServiceUse(
            str(service),
            float(used["cpu_seconds"]),
            int(used["memory"]),
            int(used["peak_memory"]),
        )
        for service, used in use["services"].items()
    )
    return EnvironmentUse(str(name), str(use["state"]), services, int(use["replaced"]))
