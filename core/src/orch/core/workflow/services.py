"""The schema of ``environments:``: each service dictionary structured into a ``ServiceSpec``.

The same blocks serve the workflow file and the Python ``Environment`` builder, so a service is
read, and wrong, the same way in both. Shorthands are expanded here: ``ports`` as a mapping
(container port to host port, ``0`` for a free one) or a bare list (free host ports),
``wait: {http: /health}`` for ``{http: {path: /health}}``, ``log: REGEX``, ``command: [...]``,
``port: 8080`` or ``port: true``; a postgres service's ``version`` may sit beside ``config``;
a pool's ``reset`` may be one command line instead of a list of them.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache, partial
from pathlib import Path
from typing import Any

from attrs import evolve

from orch.core.shared.documents import describe, shown
from orch.core.shared.patterns import compile_problem
from orch.core.shared.spelling import unknown
from orch.core.workflow.http_values import http_status
from orch.core.workflow.simulator_routes import RouteSchema
from orch.core.workflow.strict import MAX_SECONDS, strict_converter
from orch.core.workflow.structuring import Block, Key, Nested, Problem, each_item
from orch.core.workflow.structuring import structure_block as structured
from orch.ports.environment import (
    DEFAULT_WAIT_TIMEOUT,
    POSTGRES_MODES,
    POSTGRES_PORT,
    SERVICE_TYPES,
    SIMULATOR_PORT,
    CommandWait,
    EnvironmentSpec,
    HttpWait,
    LogWait,
    Pool,
    PortMapping,
    PortWait,
    PostgresConfig,
    Resources,
    ServiceSpec,
    Volume,
    Wait,
)
from orch.ports.simulator import SimRoute

_STRINGS = tuple[str, ...]
_MEMORY = re.compile(r"(\d{1,15})\s*([kmg]?)i?b?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
MAX_CPUS = 4096
MAX_POOL = 64
"""The most warm environments of one spec a pool keeps: each holds its services' resources."""


def port_number(value: Any, free: bool = False) -> int:
    """A port as a whole number (a string of digits too: mapping keys are strings); ``free``
    allows ``0``, a free host port."""
    if isinstance(value, str) and value.isdigit() and value.isascii() and len(value) < 7:
        value = int(value)
    low = 0 if free else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 65535:
        zero = ", or 0 for a free one" if free else ""
        raise Problem(f"a port is a whole number from 1 to 65535{zero}, got {describe(value)}")
    return value


def _service_type(value: Any) -> dict[str, Any]:
    if value not in SERVICE_TYPES:
        raise Problem(partial(unknown, "service type", shown(value), SERVICE_TYPES))
    return {"type": value}


def _mode(value: Any) -> dict[str, Any]:
    if value not in POSTGRES_MODES:
        raise Problem(partial(unknown, "mode", shown(value), POSTGRES_MODES))
    return {"mode": value}


def _positive_seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise Problem(f"{what} is a number of seconds above 0, got {describe(value)}")
    if value > MAX_SECONDS:
        raise Problem(f"at most {MAX_SECONDS:,} seconds (30 days), got {describe(value)}")
    return float(value)


def _seconds(value: Any) -> dict[str, Any]:
    return {"timeout": _positive_seconds(value, "a timeout")}


def _pattern(value: Any) -> dict[str, Any]:
    if not isinstance(value, str):
        raise Problem(f"expected a regular expression, got {describe(value)}")
    problem = compile_problem(value)
    if problem:
        raise Problem(problem)
    return {"pattern": value}


def _pool_size(value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POOL:
        raise Problem(f"a pool size is a whole number from 1 to {MAX_POOL}, got {describe(value)}")
    return {"size": value}


def _idle(value: Any) -> dict[str, Any]:
    return {"idle": _positive_seconds(value, "idle")}


def _http_path(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value.startswith("/"):
        raise Problem(f"expected a path starting with '/', such as /health, got {describe(value)}")
    return {"path": value}


def _cpus(value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_CPUS:
        raise Problem(f"cpus is a number above 0 and at most {MAX_CPUS}, got {describe(value)}")
    return {"cpus": float(value)}


def memory_limit(value: Any) -> dict[str, Any]:
    """Bytes, or a number with a unit as docker takes it: ``512m``, ``1g``, ``256MiB``."""
    found = _MEMORY.fullmatch(value) if isinstance(value, str) else None
    if found:
        value = int(found.group(1)) * _UNITS[found.group(2).lower()]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise Problem(f"memory is a number of bytes or such as 512m or 2g, got {describe(value)}")
    return {"memory": value}


def _volume(value: Any, _type: type) -> Volume:
    """``SOURCE:TARGET`` or ``SOURCE:TARGET:ro``, the target an absolute path."""
    source, _, target = value.partition(":") if isinstance(value, str) else ("", "", "")
    target, _, mode = target.partition(":")
    if not source or not target.startswith("/") or mode not in ("", "ro", "rw"):
        raise Problem(f"expected SOURCE:/TARGET or SOURCE:/TARGET:ro, got {describe(value)}")
    return Volume(source, target, read_only=mode == "ro")


def _wait(timeout: float = DEFAULT_WAIT_TIMEOUT, **given: dict[str, Any]) -> Wait:
    """The strategies given, each with the ``wait`` block's timeout unless it has its own."""
    kinds = {"port": PortWait, "http": HttpWait, "log": LogWait, "command": CommandWait}
    made = {name: kinds[name](**{"timeout": timeout, **fields}) for name, fields in given.items()}
    return Wait(**made)


def _service(
    name: str,
    type: str,
    version: str = "",
    config: PostgresConfig | None = None,
    ports: tuple[PortMapping, ...] = (),
    routes: tuple[SimRoute, ...] = (),
    simulate: bool = False,
    fallback: str = "",
    **settings: Any,
) -> ServiceSpec:
    """A postgres service has a config (its ``version`` may be written beside it) and is
    published on ``config.port``; no other service has either. A simulator has routes (and one
    port unless it names its own); so does a service that ``simulate: true`` or ``fallback:
    simulate`` stands in for by one, and no other."""
    if fallback not in ("", "simulate"):
        raise Nested("fallback", Problem(f"the one fallback is simulate; got {describe(fallback)}"))
    stood_in = "always" if simulate else "fallback" if fallback else ""
    if type == "simulator" and stood_in:
        raise Nested("simulate" if simulate else "fallback", Problem("a simulator is one already"))
    if (type == "simulator" or bool(stood_in)) != bool(routes):
        said = f"only a simulator service has routes (or one simulated); this one is {type}"
        needs = (
            "a simulator needs its routes" if type == "simulator" else "its simulator needs routes"
        )
        raise Nested("routes", Problem(said if routes else needs))
    if stood_in and not ports:
        raise Nested("ports", Problem("its simulator listens on its ports: give it one"))
    if type == "simulator" and not ports:
        ports = (PortMapping(SIMULATOR_PORT),)
    if type == "postgres":
        config = config or PostgresConfig()
        if version and config.version and version != config.version:
            also = f"also given as config.version ({describe(config.version)}); give it once"
            raise Nested("version", Problem(also))
        config = evolve(config, version=version or config.version)
        if ports:
            raise Nested("ports", Problem("a postgres service is published on config.port"))
        ports = (PortMapping(POSTGRES_PORT, config.port),)
    elif config is not None or version:
        key = "config" if config is not None else "version"
        raise Nested(key, Problem(f"only a postgres service has a {key}; this one is {type}"))
    return ServiceSpec(
        name=name,
        type=type,
        config=config,
        ports=ports,
        routes=routes,
        simulate=stood_in,
        **settings,
    )


class ServiceSchema:
    """The blocks of an environment and its services, over one strict converter."""

    def __init__(self) -> None:
        self.converter = converter = strict_converter()
        converter.register_structure_hook(Volume, _volume)
        converter.register_structure_hook(
            PortMapping, lambda value, _: PortMapping(port_number(value))
        )
        self.port_wait = Block(
            (Key("port", read=lambda v: {"port": port_number(v)}), Key("timeout", read=_seconds))
        )
        self.http_wait = Block(
            (
                Key("path", read=_http_path),
                Key("status", read=http_status),
                Key("port", read=lambda v: {"port": port_number(v)}),
                Key("timeout", read=_seconds),
            )
        )
        self.log_wait = Block(
            (Key("pattern", required=True, read=_pattern), Key("timeout", read=_seconds))
        )
        self.command_wait = Block(
            (Key("run", _STRINGS, to="command", required=True), Key("timeout", read=_seconds))
        )
        self.strategies = {
            "port": self.port_wait,
            "http": self.http_wait,
            "log": self.log_wait,
            "command": self.command_wait,
        }
        self.wait = Block(
            (
                Key("port", read=partial(self._strategy, "port")),
                Key("http", read=partial(self._strategy, "http")),
                Key("log", read=partial(self._strategy, "log")),
                Key("command", read=partial(self._strategy, "command")),
                Key("timeout", read=_seconds),
            ),
            make=_wait,
        )
        self.postgres = Block(
            (
                Key("version", str),
                Key("port", read=lambda v: {"port": port_number(v, free=True)}),
                Key("schemas", _STRINGS),
                Key("user", str),
                Key("password", str),
                Key("database", str),
                Key("mode", read=_mode),
            ),
            make=PostgresConfig,
        )
        self.resources = Block(
            (Key("cpus", read=_cpus), Key("memory", read=memory_limit)), make=Resources
        )
        self.service = Block(
            (
                Key("type", required=True, read=_service_type),
                Key("image", str),
                Key("build", read=lambda v: {"build": Path(converter.structure(v, str))}),
                Key("command", _STRINGS),
                Key("ports", read=self._ports),
                Key("env", dict[str, str]),
                Key("depends_on", _STRINGS),
                Key("wait", read=lambda v: {"wait": self._block(self.wait, v)}),
                Key("config", read=lambda v: {"config": self._block(self.postgres, v)}),
                Key("version", str),
                Key("volumes", tuple[Volume, ...]),
                Key("resources", read=lambda v: {"resources": self._block(self.resources, v)}),
                Key("routes", read=RouteSchema(converter).read),
                Key("simulate", bool),
                Key("fallback", str),
            ),
            make=_service,
        )
        self.pool = Block(
            (
                Key("size", read=_pool_size),
                Key("reset", read=self._reset),
                Key("idle", read=_idle),
            ),
            make=Pool,
        )
        self.environment = Block(
            (
                Key("services", required=True, read=self._services),
                Key("pool", read=lambda v: {"pool": self.pool_of(v)}),
            ),
            make=EnvironmentSpec,
        )

    def _block(self, block: Block, value: Any, **given: Any) -> Any:
        return structured(self.converter, block, value, **given)

    def service_of(self, name: str, value: Any) -> ServiceSpec:
        """The service ``name`` from its dictionary; raises cattrs' error tree (``explain``)."""
        return self._block(self.service, value, name=name)  # type: ignore[no-any-return]

    def pool_of(self, value: Any) -> Pool:
        """A pool from its mapping; raises cattrs' error tree (``explain``)."""
        return self._block(self.pool, value)  # type: ignore[no-any-return]

    def _reset(self, value: Any) -> dict[str, Any]:
        """The reset command lines: a list of them, or one."""
        commands = (value,) if isinstance(value, str) else self.converter.structure(value, _STRINGS)
        if any(not command.strip() for command in commands):
            raise Problem("a reset command line is empty; give the command to run")
        return {"reset": commands}

    def environments(self, value: Any) -> dict[str, Any]:
        """``environments:``, a mapping of names to ``{services: ...}``."""

        def one(name: str, raw: Any) -> EnvironmentSpec:
            return self._block(self.environment, raw, name=name)  # type: ignore[no-any-return]

        return {"environments": each_item(value, EnvironmentSpec, one)}

    def _services(self, value: Any) -> dict[str, Any]:
        return {"services": tuple(each_item(value, ServiceSpec, self.service_of).values())}

    def _ports(self, value: Any) -> dict[str, Any]:
        """A mapping of container port to host port, or a list of container ports (free ones)."""
        if isinstance(value, list):
            ports = self.converter.structure(value, tuple[PortMapping, ...])
        else:
            ports = tuple(each_item(value, int, self._mapped).values())
        counts = Counter(port.container for port in ports)
        twice = next((port for port, count in counts.items() if count > 1), None)
        if twice is not None:
            raise Problem(f"port {twice} is listed twice")
        return {"ports": ports}

    @staticmethod
    def _mapped(container: str, host: Any) -> PortMapping:
        return PortMapping(port_number(container), port_number(host, free=True))

    def _strategy(self, kind: str, value: Any) -> dict[str, Any]:
        """One wait strategy's fields, from its mapping or its shorthand."""
        if isinstance(value, dict):
            return {kind: self._block(self.strategies[kind], value)}
        if kind == "port":
            return {kind: {} if value is True else {"port": port_number(value)}}
        if kind == "command":
            return {kind: {"command": self.converter.structure(value, _STRINGS)}}
        return {kind: _http_path(value) if kind == "http" else _pattern(value)}


@cache
def service_schema() -> ServiceSchema:
    """The one schema of environments (its converter generates code: built once)."""
    return ServiceSchema()
