"""How a shard's process is kept apart from the machine and from other shards, and what it used.

The workflow says it per application (``isolation:``, ``test_type:``) as ``IsolationSettings``;
core turns that, the test type and the application's environment into the ``Isolation`` of each
shard's ``Command``; an executor applies it (a sandbox, a container, pinned CPUs) and reports
the ``ResourceUse`` of the process once it ended. Core never learns how a mode is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from attrs import frozen

ISOLATION_MODES = ("none", "sandbox", "container")
"""``none``: a plain process; ``sandbox``: namespaces of its own on this machine's root, read
only; ``container``: a container with the application mounted."""

TEST_TYPES = ("unit", "integration", "performance", "security")
"""What a test type changes when ``isolation`` is not given: unit, a sandbox with no network;
integration, a sandbox with the network when the application has an environment; performance,
a plain process on CPUs of its own; security, a hardened sandbox."""


@frozen
class IsolationSettings:
    """``isolation:`` as the workflow writes it: each ``None`` is left to the test type.

    ``cpus`` is how many CPUs to give the shard for itself (pinned), ``memory`` a limit in bytes
    (a container's), ``image`` a container image (empty: one orch builds with nothing inside).
    """

    mode: str | None = None
    network: bool | None = None
    cpus: int | None = None
    memory: int | None = None
    image: str = ""


@frozen
class Isolation:
    """What one shard's process gets: the executor applies it.

    ``network`` False: a network namespace of its own (nothing reachable, not even the host's
    127.0.0.1); ``read_only``: nothing writable but its scratch and a private ``/tmp``;
    ``hardened``: also no capabilities and no new privileges; ``cpus`` the CPU numbers it is
    pinned to (empty: any); ``writable`` paths besides its scratch it may write (the
    application's directory, unless read only); ``visible`` paths a container must see at the
    same place (the workflow's directory), read only.
    """

    mode: str = "none"
    network: bool = True
    read_only: bool = False
    hardened: bool = False
    cpus: tuple[int, ...] = ()
    memory: int | None = None
    image: str = ""
    writable: tuple[Path, ...] = ()
    visible: tuple[Path, ...] = ()


NO_ISOLATION = Isolation()


@frozen
class ResourceUse:
    """What a shard's process tree used: CPU seconds (user + system) and its peak resident
    memory in bytes (the largest of the processes that were waited for)."""

    cpu_seconds: float
    peak_memory: int


@runtime_checkable
class Measured(Protocol):
    """A Process that knows what it used once it ended (optional, as ``StackDumps``)."""

    def usage(self) -> ResourceUse | None:
        """None while it runs, or when the executor could not measure it."""
        ...


@frozen
class ShardUsage:
    """One shard process of a run, as the results show it: which node and attempt, how it was
    isolated, the CPUs it was pinned to, and what it used (None: not measured)."""

    node: str
    app: str
    attempt: int
    mode: str
    test_type: str = ""
    cpus: tuple[int, ...] = ()
    seconds: float = 0.0
    use: ResourceUse | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "node": self.node,
            "app": self.app,
            "attempt": self.attempt,
            "isolation": self.mode,
            "test_type": self.test_type,
            "cpus": list(self.cpus),
            "seconds": round(self.seconds, 3),
            "cpu_seconds": None if self.use is None else round(self.use.cpu_seconds, 3),
            "peak_memory": None if self.use is None else self.use.peak_memory,
        }
