"""When a started service is ready: every wait strategy it declares holds, each within its own
timeout, and the service has not ended meanwhile.

A service that declares no strategy is ready once each port it declares is listening (what
Testcontainers waits for by default); one with no ports, once it runs. A ``postgres`` service is
ready when its provisioner returns it (the server answers, its schemas are loaded). The
provisioner answers "is it listening" from inside (a published container port is accepted by a
proxy before the server listens); the HTTP check is made here, from the machine, as tests will.
``unhealthy`` asks the same of an environment that was up (a warm one of a pool), once each.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable, Mapping
from functools import lru_cache

from orch.core.shared.patterns import UserPattern
from orch.ports import (
    DEFAULT_WAIT_TIMEOUT,
    CommandWait,
    EnvironmentSpec,
    HttpWait,
    LogWait,
    PortWait,
    ProvisionError,
    RunningService,
    ServiceSpec,
)

Strategy = PortWait | HttpWait | LogWait | CommandWait
LOG_LINES = 20
"""How many of a service's last lines of output a failure shows."""


def await_ready(
    spec: ServiceSpec, service: RunningService, clock: Callable[[], float] = time.monotonic
) -> None:
    """Return once ``service`` is ready; ``ProvisionError`` (with its last lines) when a
    strategy's timeout passes or the service ends first."""
    for strategy in _strategies(spec):
        deadline = clock() + strategy.timeout
        pause = 0.02
        while not _holds(strategy, service):
            ended = service.ended()
            if ended is not None:
                raise _failure(service, f"{ended} before it was ready ({_said(strategy)})")
            if clock() >= deadline:
                raise _failure(
                    service, f"not ready after {strategy.timeout:g} s: {_said(strategy)}"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.25)
    ended = service.ended()
    if ended is not None:
        raise _failure(service, f"{ended} right after it started")


def unhealthy(spec: EnvironmentSpec, services: Mapping[str, RunningService]) -> str | None:
    """Why an environment that was up is not healthy now, None when it is: each service of
    ``spec`` is there, runs, and holds its wait strategies (none: every port listens), each
    asked once, not awaited."""
    for declared in spec.services:
        service = services.get(declared.name)
        if service is None:
            return f"service '{declared.name}' is gone"
        ended = service.ended()
        if ended is not None:
            return f"service '{declared.name}' {ended}"
        listens = tuple(PortWait(mapping.container) for mapping in declared.ports)
        for strategy in _strategies(declared) or listens:
            if not _holds(strategy, service):
                return f"service '{declared.name}': not {_said(strategy)} any more"
    return None


def _strategies(spec: ServiceSpec) -> tuple[Strategy, ...]:
    if spec.wait.strategies or spec.type == "postgres":
        return spec.wait.strategies
    return tuple(PortWait(mapping.container, DEFAULT_WAIT_TIMEOUT) for mapping in spec.ports)


def _holds(strategy: Strategy, service: RunningService) -> bool:
    if isinstance(strategy, PortWait):
        ports = [strategy.port] if strategy.port else list(service.ports)
        return all(service.listening(port) for port in ports)
    if isinstance(strategy, HttpWait):
        return _http_status(service, strategy) == strategy.status
    if isinstance(strategy, LogWait):
        return _pattern(strategy.pattern).search(service.logs()) is not None
    return service.run(strategy.command, strategy.timeout) == 0


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> UserPattern:
    """A log wait's pattern, compiled once however often it is polled."""
    return UserPattern(pattern, "wait.log")


def _http_status(service: RunningService, strategy: HttpWait) -> int:
    port = service.ports.get(strategy.port) if strategy.port else next(iter(service.ports.values()))
    if port is None:
        return 0
    connection = http.client.HTTPConnection(service.host, port, timeout=2)
    try:
        connection.request("GET", strategy.path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        connection.close()


def _said(strategy: Strategy) -> str:
    if isinstance(strategy, PortWait):
        return f"port {strategy.port} listening" if strategy.port else "every port listening"
    if isinstance(strategy, HttpWait):
        port = f" on port {strategy.port}" if strategy.port else ""
        return f"GET {strategy.path}{port} answering {strategy.status}"
    if isinstance(strategy, LogWait):
        return f"a line matching {strategy.pattern!r}"
    return f"{' '.join(strategy.command)!r} exiting 0"


def _failure(service: RunningService, message: str) -> ProvisionError:
    logs = service.logs(tail=LOG_LINES)
    return ProvisionError(service.name, message, logs=logs)
