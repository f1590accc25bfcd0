"""The Provisioner port: what starts the services of an environment and removes them again.

Core decides the order (dependency levels, started in parallel), resolves templates, waits for
health and hands the addresses to the tests; an adapter only starts one service at a time and
answers a few questions about it (which ports it got, is it listening, what did it print, has it
ended). Everything an adapter creates carries its ``Owner``'s labels, so what a killed
orchestrator left behind is found and removed by any later orch (``owners``/``remove``) and by
the reaper core starts beside each environment.

The Docker adapter (``orch-docker``) and the process adapter (``orch-local``) implement it;
``orch.testing.provisioner_contracts`` is the suite both pass. A Kubernetes adapter would be
one more class: nothing here assumes a local machine beyond ports published on ``host``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from attrs import frozen

from orch.ports.environment import ServiceSpec
from orch.ports.errors import EnvironmentProblem
from orch.ports.model import Application
from orch.ports.simulator import ExpectationCheck

LABEL_PREFIX = "orch."
"""Every label (container label, tag in a process's environment) an adapter sets starts so."""


@frozen
class Owner:
    """Who an environment's resources belong to: one environment of one run (or of one
    ``orch env up``).

    ``directory`` holds ``lock``, which the owning orchestrator holds (``flock``) for as long as
    it lives: when it can be taken, the owner is gone and its resources are leftovers, unless
    ``kept`` exists there (``--keep-env``, ``orch env up``: removed by ``orch env down``).
    """

    id: str
    run: str
    environment: str
    spec_hash: str
    directory: Path

    @property
    def lock(self) -> Path:
        return self.directory / "lock"

    @property
    def kept(self) -> Path:
        return self.directory / "kept"

    @property
    def labels(self) -> dict[str, str]:
        """What every resource of this owner carries, and what ``owner_from_labels`` reads back."""
        return {
            f"{LABEL_PREFIX}owner": self.id,
            f"{LABEL_PREFIX}run": self.run,
            f"{LABEL_PREFIX}environment": self.environment,
            f"{LABEL_PREFIX}spec": self.spec_hash,
            f"{LABEL_PREFIX}directory": str(self.directory),
        }


def owner_from_labels(labels: Mapping[str, str]) -> Owner | None:
    """The owner a resource's labels name, or None when they are not all there (not ours)."""
    try:
        return Owner(
            id=labels[f"{LABEL_PREFIX}owner"],
            run=labels[f"{LABEL_PREFIX}run"],
            environment=labels[f"{LABEL_PREFIX}environment"],
            spec_hash=labels[f"{LABEL_PREFIX}spec"],
            directory=Path(labels[f"{LABEL_PREFIX}directory"]),
        )
    except KeyError:
        return None


class ProvisionError(EnvironmentProblem):
    """A service could not be started or became unhealthy: ``service`` names it, ``logs`` holds
    its last lines of output (untrusted text), the message says what happened and what to do.

    ``missing`` says that what the service needs is not on this machine (PostgreSQL's binaries,
    an image that cannot be pulled): a ``postgres`` service in mode ``auto`` is then offered to
    the next provisioner that starts its type."""

    def __init__(self, service: str, message: str, logs: str = "", missing: bool = False) -> None:
        super().__init__(f"service '{service}': {message}")
        self.service = service
        self.logs = logs
        self.missing = missing


@frozen
class Usage:
    """What a service used so far: CPU seconds, its memory now and its peak memory in bytes
    (``peak_memory`` 0: the provisioner cannot tell; the run's watcher keeps the highest
    ``memory`` it saw instead)."""

    cpu_seconds: float = 0.0
    memory: int = 0
    peak_memory: int = 0


@runtime_checkable
class RunningService(Protocol):
    """One started service. ``ports`` maps each declared port (the container's, or a process's
    own number) to the port of ``host`` (127.0.0.1) it is reached at from the machine."""

    name: str
    host: str
    ports: Mapping[int, int]

    def listening(self, port: int) -> bool:
        """Whether the service itself accepts connections on its declared ``port`` (not only a
        proxy in front of it: a published container port answers before the server does)."""
        ...

    def run(self, command: Sequence[str], timeout: float) -> int:
        """Run ``command`` beside the service (in its container; on the machine, in the
        service's directory, for a process) and return its exit status; -1 when it timed out."""
        ...

    def logs(self, tail: int = 0) -> str:
        """What the service printed so far (its last ``tail`` lines; 0: all kept)."""
        ...

    def ended(self) -> str | None:
        """None while the service runs; else how it ended ("exited with status 3")."""
        ...

    def usage(self) -> Usage:
        """Its CPU time so far and its memory now and at its peak."""
        ...


@runtime_checkable
class ProvisionedEnvironment(Protocol):
    """The resources of one owner on one provisioner: its services, and for Docker its network."""

    owner: Owner

    def start(self, service: ServiceSpec, env: Mapping[str, str]) -> RunningService:
        """Start ``service`` with ``env`` (its templates already resolved) and return once it
        runs (a ``postgres`` service: once it answers and its schemas are loaded). Raises
        ``ProvisionError`` naming the service: image missing, build failed, port taken."""
        ...

    def peer_address(self, service: RunningService, port: int) -> tuple[str, int]:
        """Where another service of this environment *on this provisioner* reaches ``service``'s
        declared ``port`` (a container's name on the environment's network; 127.0.0.1 and the
        published port for processes)."""
        ...

    def close(self) -> None:
        """Stop and remove everything started here; each service's output is written to
        ``<artifacts>/<service>.log`` first. Idempotent."""
        ...


@runtime_checkable
class Provisioner(Protocol):
    """Starts services of the types in ``SERVICE_TYPES``; built without arguments."""

    PLUGIN_NAME: ClassVar[str]
    SERVICE_TYPES: ClassVar[frozenset[str]]

    def unavailable(self) -> str | None:
        """None when this provisioner can start services here; else one line saying why not and
        what to do ("no Docker engine answers at unix:///var/run/docker.sock; start dockerd")."""
        ...

    def open(self, owner: Owner, root: Path, artifacts: Path) -> ProvisionedEnvironment:
        """Make room for ``owner``'s services (``root``: where relative paths of the spec are;
        ``artifacts``: where service logs go)."""
        ...

    def owners(self) -> list[Owner]:
        """Every owner that has resources here now, whoever started them."""
        ...

    def remove(self, owner_id: str) -> list[str]:
        """Remove every resource labelled with ``owner_id``; one line per resource removed.
        Idempotent: nothing left is no error."""
        ...

    def logs(self, owner_id: str, service: str, tail: int = 0) -> str | None:
        """What ``service`` of ``owner_id`` printed so far (its last ``tail`` lines; 0: all),
        whoever started it (``orch env logs`` of a kept environment); None when this
        provisioner has no such service."""
        ...

    def services(self, owner: Owner) -> Mapping[str, RunningService]:
        """The services of ``owner`` that are here now (by service name), whoever started them,
        running or not: another process re-attaches to a warm environment of a pool with it
        (its health is asked of them, its reset runs against them). Empty when it has none."""
        ...


@runtime_checkable
class Environments(Protocol):
    """What a run asks of the environments its applications use. The run's plan has a node per
    environment: ``up`` runs as that node (on a thread of its own: it waits on services), the
    shards of its applications wait for it, and ``down`` follows its last one."""

    def up(self, name: str, run: str) -> None:
        """Bring environment ``name`` up and healthy for run ``run`` (the id its resources are
        labelled with); ``EnvironmentProblem`` (often a ``ProvisionError``) says why it could
        not be, once what had started is removed."""
        ...

    def variables(self, app: Application) -> Mapping[str, str]:
        """What ``app``'s test processes get added to their environment once its environment
        is up: the documented ``ORCH_<SERVICE>_*`` addresses and its own ``env`` resolved."""
        ...

    def services(self, name: str) -> Mapping[str, RunningService]:
        """The running services of environment ``name`` by service name, while it is up (none
        otherwise): the run watches them (``ended``, ``usage``) from a thread of its own."""
        ...

    def replace(self, name: str, run: str) -> None:
        """A service of environment ``name`` died: remove what is left of it (its services'
        output kept beside the replacement's, in a folder of its own) and bring up a new one,
        as ``up`` does (its addresses are what ``variables`` gives from then on)."""
        ...

    def expectations(self, name: str) -> tuple[ExpectationCheck, ...]:
        """Each ``expect`` of a route of a simulator of environment ``name`` (declared, or
        standing in for a service), checked against what that simulator recorded so far; none
        while it is not up. The run asks just before ``down``: its results are the checks'."""
        ...

    def down(self, name: str) -> None:
        """Remove environment ``name`` (unless it is to be kept); idempotent."""
        ...

    def close(self) -> None:
        """Take down every environment still up: the run is over, however it ended."""
        ...
