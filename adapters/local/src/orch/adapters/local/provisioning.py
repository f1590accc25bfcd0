"""The process provisioner: an environment's ``process`` and ``postgres`` services as processes
of this machine, each in its own temporary directory and session.

Nothing but the processes and their directories exists, so ``owners`` and ``remove`` need no
record of what was started: they read the tags and ``owner.json`` files (``leftovers``);
``services`` re-attaches to an owner's services by their ``service.json`` files.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import attrs
from attrs import define, field

from orch.adapters.local import leftovers, service_dirs
from orch.adapters.local.free_ports import HOST, host_ports
from orch.adapters.local.postgres_process import start_postgres
from orch.adapters.local.service_process import (
    LOG_FILE,
    Adopted,
    Child,
    ServiceProcess,
    environment,
    expand_command,
    last_lines,
    spawn,
    tag_of,
)
from orch.ports import Owner, ProvisionError, RunningService, ServiceSpec


@define
class ProcessEnvironment:
    """The services one owner started through the process provisioner."""

    owner: Owner
    root: Path
    artifacts: Path
    services: dict[str, ServiceProcess] = field(factory=dict)

    def start(self, service: ServiceSpec, env: Mapping[str, str]) -> ServiceProcess:
        """Start ``service`` in a new directory; on failure its processes and directory go
        (its log is kept in the artifacts first)."""
        directory = service_dirs.create(self.owner, service.name)
        try:
            if service.type == "postgres":
                running = start_postgres(self.owner, service, directory, env, self.root)
            elif service.type == "simulator":
                running = self._start_process(simulator_process(service, directory), directory, env)
            else:
                running = self._start_process(service, directory, env)
        except ProvisionError:
            self._keep_log(service.name, directory)
            leftovers.end_processes(lambda tag: tag == tag_of(self.owner.id, service.name))
            service_dirs.remove(directory)
            raise
        service_dirs.describe(
            directory, service.name, running.leader.pid, running.ports, running.env
        )
        self.services[service.name] = running
        return running

    def _start_process(
        self, service: ServiceSpec, directory: Path, env: Mapping[str, str]
    ) -> ServiceProcess:
        if service.type != "process":
            raise ProvisionError(
                service.name,
                f"is of type {service.type}; the process provisioner starts "
                "process, postgres and simulator services",
            )
        if not service.command:
            raise ProvisionError(service.name, "has no command; give the command to run")
        ports = host_ports(service.name, service.ports)
        whole = environment(self.owner, service.name, env, ports)
        popen = spawn(service.name, expand_command(service.command, whole), directory, whole)
        return ServiceProcess(service.name, ports, directory, whole, Child(popen))

    def peer_address(self, service: RunningService, port: int) -> tuple[str, int]:
        """127.0.0.1 and the host port of ``port``: peers are processes of this machine too."""
        return HOST, service.ports[port]

    def _keep_log(self, name: str, directory: Path) -> None:
        log = directory / "output.log"
        if log.exists():
            self.artifacts.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, self.artifacts / f"{name}.log")

    def close(self) -> None:
        """Keep each service's log in the artifacts, then remove all of the owner's."""
        for name, running in self.services.items():
            self._keep_log(name, running.directory)
        leftovers.remove(self.owner.id)
        for running in self.services.values():
            running.ended()  # reap the ended leader
        self.services.clear()


def simulator_process(service: ServiceSpec, directory: Path) -> ServiceSpec:
    """A ``simulator`` service as the process that runs it: its routes written in its
    directory, orch's simulator (``orch.adapters.local.simulator``) serving them on its port."""
    routes = directory / "routes.json"
    routes.write_text(json.dumps([attrs.asdict(route) for route in service.routes]), "utf-8")
    program = (sys.executable, "-m", "orch.adapters.local.simulator", str(routes), "$ORCH_PORT")
    return attrs.evolve(service, type="process", command=program, routes=())


class ProcessProvisioner:
    """Starts ``process`` services (a command), ``postgres`` ones (a PostgreSQL server with
    its schemas) and ``simulator`` ones (orch's HTTP stand-in) as processes here; built
    without arguments."""

    PLUGIN_NAME: ClassVar[str] = "process"
    SERVICE_TYPES: ClassVar[frozenset[str]] = frozenset({"process", "postgres", "simulator"})

    def unavailable(self) -> str | None:
        """None: processes can always start (a missing PostgreSQL is said when one starts)."""
        return None

    def open(self, owner: Owner, root: Path, artifacts: Path) -> ProcessEnvironment:
        """Room for ``owner``'s services; nothing is made until one starts."""
        return ProcessEnvironment(owner, root, artifacts)

    def owners(self) -> list[Owner]:
        """Every owner with processes or service directories on this machine."""
        return leftovers.owners()

    def remove(self, owner_id: str) -> list[str]:
        """End ``owner_id``'s processes and delete its directories; a line for each."""
        return leftovers.remove(owner_id)

    def services(self, owner: Owner) -> dict[str, ServiceProcess]:
        """``owner``'s services whose directories say they ran, whoever started them."""
        found = {}
        for directory, data in service_dirs.described(owner.id):
            name = str(data["name"])
            ports = {int(c): int(h) for c, h in data["ports"].items()}
            leader = Adopted(int(data["pid"]), tag_of(owner.id, name))
            found[name] = ServiceProcess(name, ports, directory, dict(data["env"]), leader)
        return found

    def logs(self, owner_id: str, service: str, tail: int = 0) -> str | None:
        """The output log in ``service``'s directory, None when the owner has no such one."""
        directory = service_dirs.find(owner_id, service)
        if directory is None:
            return None
        return last_lines(directory / LOG_FILE, tail)
