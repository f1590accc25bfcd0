"""An environment as the workflow declares it: its services, how each is started and when it is
ready, and the endpoint a started service is reached at.

The workflow loader (``orch.yaml``'s ``environments:``) and the Python ``Environment`` builder
both make these values; provisioning (later: a Provisioner port, the Docker and process
adapters) starts them. They hold what the user wrote, checked, with nothing started: a
``PortMapping`` whose host port is ``0`` gets a free one at start. ``spec_hash`` names an
environment by everything that defines it, so a pool can hand a warm one to the next run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from orch.ports.simulator import SimRoute

SERVICE_TYPES = ("docker", "process", "postgres", "simulator")
"""``docker``: an image (or a local build context) run as a container; ``process``: a local
command in its own temporary directory; ``postgres``: a PostgreSQL server with schemas loaded;
``simulator``: orch's HTTP stand-in answering its ``routes`` (``orch.ports.simulator``)."""

SIMULATOR_PORT = 8080
"""The port a simulator declares when its service gives none (a free host port is used)."""

POSTGRES_MODES = ("auto", "container", "process")
"""How a ``postgres`` service runs: ``auto`` picks whichever the machine has (a container engine
or PostgreSQL's own binaries); the others force one."""

POSTGRES_PORT = 5432
"""The port PostgreSQL listens on inside its container; ``config.port`` is where it is published."""

DEFAULT_WAIT_TIMEOUT = 60.0
"""Seconds a wait strategy waits when neither it nor its ``wait`` block says otherwise."""

DEFAULT_POOL_IDLE = 1800.0
"""Seconds a warm environment of a pool may stay unused before the next start removes it."""


@frozen
class PortMapping:
    """A port the service listens on (``container``) and the port of 127.0.0.1 it is published
    on (``host``; ``0``: a free port picked when the service starts)."""

    container: int
    host: int = 0


@frozen
class Volume:
    """A directory (relative to the workflow's) or named volume mounted at ``target``."""

    source: str
    target: str
    read_only: bool = False


@frozen
class Resources:
    """Limits of a service: ``cpus`` (may be a fraction) and ``memory`` in bytes; None: no limit."""

    cpus: float | None = None
    memory: int | None = None


@frozen
class PostgresConfig:
    """A ``postgres`` service's settings: ``schemas`` are SQL files (relative to the workflow's
    directory) loaded in order once the server answers; ``version`` empty takes what the machine
    has; ``port`` is the host port (``0``: a free one)."""

    version: str = ""
    port: int = 0
    schemas: tuple[str, ...] = ()
    user: str = "orch"
    password: str = "orch"
    database: str = "orch"
    mode: str = "auto"


@frozen
class PortWait:
    """Ready once ``port`` (a container port; ``0``: every published one) accepts connections."""

    port: int = 0
    timeout: float = DEFAULT_WAIT_TIMEOUT


@frozen
class HttpWait:
    """Ready once ``GET path`` on ``port`` (``0``: the first published) answers ``status``."""

    path: str = "/"
    status: int = 200
    port: int = 0
    timeout: float = DEFAULT_WAIT_TIMEOUT


@frozen
class LogWait:
    """Ready once a line of the service's output matches the regular expression ``pattern``."""

    pattern: str
    timeout: float = DEFAULT_WAIT_TIMEOUT


@frozen
class CommandWait:
    """Ready once ``command`` (run beside the service: in its container, or on the machine for a
    process) exits 0."""

    command: tuple[str, ...]
    timeout: float = DEFAULT_WAIT_TIMEOUT


@frozen
class Wait:
    """When a service is ready: every strategy given must hold, each within its own timeout.
    None given: the provisioner's own readiness (a started process, a server that answers)."""

    port: PortWait | None = None
    http: HttpWait | None = None
    log: LogWait | None = None
    command: CommandWait | None = None

    @property
    def strategies(self) -> tuple[PortWait | HttpWait | LogWait | CommandWait, ...]:
        """The strategies given, in a fixed order (port, http, log, command)."""
        found = (self.port, self.http, self.log, self.command)
        return tuple(strategy for strategy in found if strategy is not None)


@frozen
class ServiceSpec:
    """One service of an environment, as declared (templates in ``env`` not yet resolved).

    ``build`` is a build context directory (resolved under the workflow's directory); ``ports``
    are in the order written (``{NAME.port}`` is the first one's host port); ``depends_on``
    names services started before this one (a template naming a service counts too);
    ``config`` is a postgres service's settings (``None`` for the other types); ``routes`` a
    simulator's, or the stand-in's of a service that ``simulate``s: ``always`` (it is never
    started, its simulator is) or ``fallback`` (its simulator starts when it cannot).
    """

    name: str
    type: str
    image: str = ""
    build: Path | None = None
    command: tuple[str, ...] = ()
    env: Mapping[str, str] = field(factory=dict, hash=False)
    ports: tuple[PortMapping, ...] = ()
    volumes: tuple[Volume, ...] = ()
    resources: Resources = Resources()
    depends_on: tuple[str, ...] = ()
    wait: Wait = Wait()
    config: PostgresConfig | None = None
    routes: tuple[SimRoute, ...] = field(default=(), hash=False)
    simulate: str = ""

    def stand_in(self) -> ServiceSpec:
        """The simulator that stands in for this service: its routes on its ports."""
        return ServiceSpec(
            self.name, "simulator", ports=self.ports, depends_on=self.depends_on, routes=self.routes
        )

    def published(self, container: int) -> PortMapping | None:
        """The mapping of ``container``, or None when the service does not publish it."""
        return next((port for port in self.ports if port.container == container), None)


@frozen
class Pool:
    """How many warm environments of a spec may be kept (``size``) for the next runs, the
    ``reset`` command lines (each run by ``sh -c`` in the workflow's directory) that make one
    clean before it is handed out, and the ``idle`` seconds after which an unused one goes."""

    size: int = 1
    reset: tuple[str, ...] = ()
    idle: float = DEFAULT_POOL_IDLE


@frozen
class EnvironmentSpec:
    """A named set of services, in the order they were declared; ``pool`` (None: none) lets a
    finished run leave it warm for the next one. The pool is not part of ``spec_hash``: it
    says how the environment is reused, not what it is."""

    name: str
    services: tuple[ServiceSpec, ...] = ()
    pool: Pool | None = None

    def service(self, name: str) -> ServiceSpec | None:
        """The service called ``name``, or None."""
        return next((service for service in self.services if service.name == name), None)

    def as_json(self) -> dict[str, Any]:
        """Everything that defines the environment, as JSON data: services keyed by name (their
        order defines nothing: the start order comes from dependencies)."""
        return {
            "name": self.name,
            "services": {service.name: _data(service) for service in self.services},
        }

    @property
    def spec_hash(self) -> str:
        """The sha256 of ``as_json`` in canonical form: equal for equal environments whatever
        the order of services or of ``env`` keys, different when anything else differs."""
        text = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _data(service: ServiceSpec) -> dict[str, Any]:
    data = attrs.asdict(service, value_serializer=_plain)
    data["depends_on"] = sorted(set(service.depends_on))
    return data


def _plain(_instance: Any, _attribute: Any, value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


@frozen
class Endpoint:
    """Where a started service is reached: ``host`` (127.0.0.1), ``ports`` (container port to
    the host port it got), ``url`` and its resolved ``env``; what templates are resolved from."""

    host: str
    ports: Mapping[int, int] = field(factory=dict, hash=False)
    url: str = ""
    env: Mapping[str, str] = field(factory=dict, hash=False)

    @property
    def port(self) -> int | None:
        """The host port of the first published port (``{NAME.port}``), None when there is none."""
        return next(iter(self.ports.values()), None)
