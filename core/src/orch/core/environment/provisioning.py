"""Bringing one environment up, and down again, whatever happened in between.

Services start by levels (``order.start_levels``): a level's services in parallel, each after
everything it waits for is ready. A service's ``env`` templates are resolved against the services
already up, as that service sees them: a service of the same provisioner is reached at its
``peer_address`` (a container by name on the environment's network), any other at 127.0.0.1 and
its published port. When one service fails, everything already started is removed and the
failure, naming the service with its last lines, is raised. An environment taken warm from a
pool was started by another process: it is ``adopted``, its services re-found through each
provisioner (with no ``ProvisionedEnvironment``), and removing it writes their logs, then
removes the owner on every provisioner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from attrs import define, field

from orch.core.environment.choice import Choice
from orch.core.environment.health import await_ready
from orch.core.environment.order import start_levels
from orch.core.environment.templating import endpoint, resolve_env
from orch.ports import (
    Endpoint,
    EnvironmentSpec,
    Owner,
    ProvisionedEnvironment,
    Provisioner,
    ProvisionError,
    RunningService,
    ServiceSpec,
)


@define
class Up:
    """An environment that is up: each service's endpoint as the machine reaches it, its running
    service (and what started it: None for one ``adopted``, taken from a pool), and the
    provisioner resources to remove."""

    spec: EnvironmentSpec
    owner: Owner
    artifacts: Path
    endpoints: dict[str, Endpoint] = field(factory=dict)
    services: dict[str, tuple[RunningService, ProvisionedEnvironment | None]] = field(factory=dict)
    opened: dict[str, ProvisionedEnvironment] = field(factory=dict)
    adopted: bool = False
    simulated: dict[str, str] = field(factory=dict)
    """The services whose simulators stand in for them, each with why."""

    @property
    def running(self) -> dict[str, RunningService]:
        """Every service of the environment by name."""
        return {name: found for name, (found, _) in self.services.items()}

    def keep_logs(self) -> None:
        """Write what each service printed so far to ``artifacts/<service>.log``."""
        if self.running:
            self.artifacts.mkdir(parents=True, exist_ok=True)
        for name, service in self.running.items():
            try:
                text = service.logs()
            except Exception:  # a service that is gone has no more to say; what is left goes
                continue
            (self.artifacts / f"{name}.log").write_text(text, encoding="utf-8")


class Provisioning:
    """Starts and removes the services of environments; ``root`` is where the spec's relative
    paths are."""

    def __init__(self, choice: Choice, root: Path) -> None:
        self.choice = choice
        self.root = root
        self._lock = threading.Lock()

    def up(self, spec: EnvironmentSpec, owner: Owner, artifacts: Path) -> Up:
        """Start every service of ``spec`` for ``owner`` and return once all are ready; each
        service's output goes to ``artifacts/<service>.log`` when it is removed."""
        up = Up(spec, owner, artifacts)
        try:
            for level in start_levels(spec):
                services = [spec.service(name) for name in level]
                with ThreadPoolExecutor(max_workers=len(services)) as pool:
                    starts = [pool.submit(self._start, up, s) for s in services if s is not None]
                failures = [start.exception() for start in starts if start.exception()]
                if failures:
                    raise failures[0]  # type: ignore[misc]
        except BaseException:
            self.down(up)
            raise
        return up

    def down(self, up: Up) -> None:
        """Remove everything ``up`` started (each service's log written first); idempotent."""
        for opened in list(up.opened.values()):
            opened.close()
        if up.adopted and up.services:
            up.keep_logs()
            for provisioner in self.choice.provisioners:
                if provisioner.unavailable() is None:
                    provisioner.remove(up.owner.id)
        up.opened.clear()
        up.services.clear()

    def _start(self, up: Up, spec: ServiceSpec) -> None:
        """Start ``spec`` on the first provisioner that can; its simulator instead when it
        says ``simulate: true``, or when it cannot start and says ``fallback: simulate``."""
        if spec.simulate == "always":
            up.simulated[spec.name] = "simulate: true"
            return self._start_any(up, spec.stand_in())
        try:
            return self._start_any(up, spec)
        except ProvisionError as error:
            if spec.simulate != "fallback":
                raise
            why = str(error).splitlines()[0] if str(error) else type(error).__name__
            up.simulated[spec.name] = f"fallback: simulate, as it could not start ({why})"
        with self._lock:
            up.services.pop(spec.name, None)  # removed with the environment, whatever is left
        self._start_any(up, spec.stand_in())

    def _start_any(self, up: Up, spec: ServiceSpec) -> None:
        candidates = self.choice.candidates(spec)
        for provisioner in candidates:
            try:
                self._start_on(up, spec, provisioner)
                return
            except ProvisionError as error:
                if not error.missing or provisioner is candidates[-1]:
                    raise

    def _start_on(self, up: Up, spec: ServiceSpec, provisioner: Provisioner) -> None:
        opened = self._opened(up, provisioner)
        env = resolve_env(spec.env, self._seen_from(up, opened))
        service = opened.start(spec, env)
        with self._lock:
            up.services[spec.name] = (service, opened)
        await_ready(spec, service)
        with self._lock:
            up.endpoints[spec.name] = endpoint(spec, service.ports, env)

    def _opened(self, up: Up, provisioner: Provisioner) -> ProvisionedEnvironment:
        with self._lock:
            name = provisioner.PLUGIN_NAME
            if name not in up.opened:
                up.opened[name] = provisioner.open(up.owner, self.root, up.artifacts)
            return up.opened[name]

    def _seen_from(self, up: Up, opened: ProvisionedEnvironment) -> Mapping[str, Endpoint]:
        """The endpoints of the services up so far, as a service started by ``opened`` reaches
        them."""
        with self._lock:
            seen = dict(up.endpoints)
            for name, (service, started_by) in up.services.items():
                declared = up.spec.service(name)
                if started_by is opened and name in seen and declared is not None:
                    seen[name] = _peer(declared, service, opened.peer_address, seen[name].env)
        return seen


def _peer(
    declared: ServiceSpec,
    service: RunningService,
    address: Callable[[RunningService, int], tuple[str, int]],
    env: Mapping[str, str],
) -> Endpoint:
    """``service``'s endpoint as a peer on its provisioner reaches it."""
    peers = {port: address(service, port) for port in service.ports}
    host = next((peer_host for peer_host, _ in peers.values()), service.host)
    ports = {port: peer_port for port, (_, peer_port) in peers.items()}
    return endpoint(declared, ports, env, host=host)
