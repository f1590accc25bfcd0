"""Which isolation each shard gets, and which CPUs a performance shard has to itself.

An application's ``isolation`` says what it asks; what it leaves out comes from its
``test_type`` (unit tests in a sandbox with no network, integration tests in a sandbox with the
network only when the application has an environment to reach, performance tests as plain
processes on pinned CPUs, security tests in a hardened sandbox), then from the workflow's
``execution.isolation``. None of them: a plain process, as before there was any.

CPUs are handed out on the run's one thread: two performance shards running at once get
different CPUs while there are enough, and while some are taken the other shards are kept to
the rest, so a measured shard does not share its CPU with the run's own tests.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from orch.ports import Application, Execution, Isolation, IsolationSettings

TYPE_MODES = {
    "unit": "sandbox",
    "integration": "sandbox",
    "performance": "none",
    "security": "sandbox",
}
"""The mode of each test type when the application names none."""

NO_SETTINGS = IsolationSettings()


def isolation_for(
    app: Application, execution: Execution, root: Path, cpus: tuple[int, ...] = ()
) -> Isolation:
    """The isolation of ``app``'s shards in a workflow at ``root``, pinned to ``cpus``.

    Each setting comes from the application's ``isolation``, else its test type, else the
    workflow's ``execution.isolation``, else none (the network: only to reach an environment).
    """
    own, default = app.isolation or NO_SETTINGS, execution.isolation or NO_SETTINGS
    mode = own.mode or TYPE_MODES.get(app.test_type) or default.mode or "none"
    if mode == "none":
        return Isolation(cpus=cpus)
    hardened = app.test_type == "security"
    network = _first(own.network, _type_network(app), default.network, bool(app.environment))
    return Isolation(
        mode=mode,
        network=network and not hardened,
        read_only=hardened,
        hardened=hardened,
        cpus=cpus,
        memory=own.memory or default.memory,
        image=own.image or default.image,
        writable=() if hardened else (app.path,),
        visible=(root,),
    )


def _type_network(app: Application) -> bool | None:
    """What the test type says of the network: none for unit and security tests, for
    integration tests only with an environment to reach; None: it says nothing."""
    if app.test_type in ("unit", "security"):
        return False
    return bool(app.environment) if app.test_type == "integration" else None


def _first(*values: bool | None) -> bool:
    return next(value for value in values if value is not None)


def cpus_wanted(app: Application, execution: Execution) -> int:
    """How many CPUs ``app``'s shards get to themselves: its ``isolation.cpus``, else one for
    a performance test, else ``execution.isolation.cpus``, else none (any CPU)."""
    own, default = app.isolation or NO_SETTINGS, execution.isolation or NO_SETTINGS
    performance = 1 if app.test_type == "performance" else None
    return own.cpus or performance or default.cpus or 0


class CpuAllocator:
    """The CPUs this process may use, and which running shards have some to themselves."""

    def __init__(self, available: tuple[int, ...] | None = None) -> None:
        self.available = available if available is not None else tuple(sorted(_affinity()))
        self._taken: Counter[int] = Counter()

    def take(self, count: int) -> tuple[int, ...]:
        """``count`` CPUs for one shard, the least taken first (shared only when every CPU is
        taken already); ``()`` for a shard that wants none: the CPUs nobody has to itself, or
        any when every one is."""
        if not count:
            free = tuple(cpu for cpu in self.available if not self._taken[cpu])
            return free if self._taken and free else ()
        ranked = sorted(self.available, key=lambda cpu: (self._taken[cpu], cpu))
        chosen = tuple(sorted(ranked[: min(count, len(ranked))]))
        self._taken.update(chosen)
        return chosen

    def give_back(self, cpus: tuple[int, ...]) -> None:
        """A shard that had ``cpus`` to itself ended."""
        self._taken.subtract(cpus)
        self._taken = +self._taken  # drop CPUs nobody holds any more


def _affinity() -> set[int]:
    getter = getattr(os, "sched_getaffinity", None)
    return set(getter(0)) if getter is not None else set(range(os.cpu_count() or 1))


class Placement:
    """Each shard's isolation and CPUs in a workflow at ``root``, and what it used."""

    def __init__(self, execution: Execution, root: Path, cpus: CpuAllocator | None = None) -> None:
        self.execution = execution
        self.root = root
        self.cpus = cpus or CpuAllocator()

    def place(self, app: Application) -> tuple[Isolation, tuple[int, ...]]:
        """The isolation of a shard of ``app`` starting now, and the CPUs it has to itself
        (to ``give_back`` when it ends)."""
        wanted = cpus_wanted(app, self.execution)
        pinned = self.cpus.take(wanted)
        isolation = isolation_for(app, self.execution, self.root, pinned)
        return isolation, pinned if wanted else ()

    def unpinned(self, app: Application) -> Isolation | None:
        """The isolation a shard of ``app`` would start with now if it takes no CPUs of its own
        (kept off those others hold, as ``place`` keeps it); None when it wants some."""
        if cpus_wanted(app, self.execution):
            return None
        return isolation_for(app, self.execution, self.root, self.cpus.take(0))

    def give_back(self, reserved: tuple[int, ...]) -> None:
        self.cpus.give_back(reserved)
