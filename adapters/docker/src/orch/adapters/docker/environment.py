"""One owner's services on Docker: its bridge network, the containers started on it (each reached
by its service name there), and closing it all with each service's log kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import docker
from docker.errors import APIError

from orch.adapters.docker import images, postgres
from orch.adapters.docker.containers import create_options, published_ports
from orch.adapters.docker.service import ContainerService
from orch.ports import Owner, ProvisionError, RunningService, ServiceSpec

PORT_TAKEN = ("port is already allocated", "address already in use")
"""What the engine says when a host port to publish on is taken."""


class DockerEnvironment:
    """The containers of ``owner`` on its network ``orch-<owner id>``; ``remove`` (the
    provisioner's) removes what is left of it when closing."""

    def __init__(
        self,
        client: docker.DockerClient,
        owner: Owner,
        root: Path,
        artifacts: Path,
        remove: Callable[[str], list[str]],
    ) -> None:
        self.owner = owner
        self._client = client
        self._root = root
        self._artifacts = artifacts
        self._remove = remove
        self._services: dict[str, ContainerService] = {}

    def start(self, service: ServiceSpec, env: Mapping[str, str]) -> RunningService:
        if service.type == "postgres":
            spec, database_env = postgres.container_spec(service)
            running = self._run(spec, {**env, **database_env})
            postgres.wait_ready(running, service)
            postgres.load_schemas(running, service, self._root)
            return running
        return self._run(service, env)

    def peer_address(self, service: RunningService, port: int) -> tuple[str, int]:
        return service.name, port

    def close(self) -> None:
        if self._services:
            self._artifacts.mkdir(parents=True, exist_ok=True)
        for name, running in self._services.items():
            try:
                log = running.logs()
            except APIError:
                continue
            (self._artifacts / f"{name}.log").write_text(log, encoding="utf-8")
        self._services.clear()
        self._remove(self.owner.id)

    def _run(self, service: ServiceSpec, env: Mapping[str, str]) -> ContainerService:
        image = self._image(service)
        options = create_options(self._client, self.owner, self._root, service, env)
        try:
            container = self._client.containers.create(image, **options)
        except APIError as error:
            raise _start_error(service, error) from error
        try:
            container.start()
        except APIError as error:
            container.remove(force=True)
            raise _start_error(service, error) from error
        container.reload()
        running = ContainerService(
            service.name, container, published_ports(container.attrs, service)
        )
        self._services[service.name] = running
        return running

    def _image(self, service: ServiceSpec) -> str:
        if service.build is not None:
            return images.built_image(self._client, service.name, self._root / service.build)
        return images.named_image(self._client, service.name, service.image)


def _start_error(service: ServiceSpec, error: APIError) -> ProvisionError:
    """What a container that would not start means, naming the taken port if that was it."""
    text = str(error.explanation or error)
    if any(taken in text for taken in PORT_TAKEN):
        ports = ", ".join(str(port.host) for port in service.ports if port.host)
        return ProvisionError(
            service.name, f"host port {ports} is already taken ({text}); free it or publish on 0"
        )
    return ProvisionError(service.name, f"the container did not start: {text}")
