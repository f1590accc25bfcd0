"""The Docker provisioner: starts ``docker`` and ``postgres`` services as containers of the
engine ``docker.from_env()`` finds (``DOCKER_HOST``, else the local socket), each labelled with
its owner, so any later orch finds and removes what a killed one left."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import docker
from docker.errors import APIError, DockerException, NotFound

from orch.adapters.docker.containers import bound_ports
from orch.adapters.docker.environment import DockerEnvironment
from orch.adapters.docker.service import ContainerService
from orch.ports import Owner, owner_from_labels
from orch.ports.provisioner import LABEL_PREFIX

DEFAULT_HOST = "unix:///var/run/docker.sock"
SERVICE_LABEL = f"{LABEL_PREFIX}service"
"""The label naming the service a container runs (``containers.names``)."""


class DockerProvisioner:
    """Containers, networks and volumes of the local Docker engine, one network per owner."""

    PLUGIN_NAME: ClassVar[str] = "docker"
    SERVICE_TYPES: ClassVar[frozenset[str]] = frozenset({"docker", "postgres"})

    def __init__(self) -> None:
        self._client: docker.DockerClient | None = None

    @property
    def client(self) -> docker.DockerClient:
        """The engine's client, connected on first use."""
        if self._client is None:
            self._client = docker.from_env()
        return self._client

    def unavailable(self) -> str | None:
        try:
            self.client.ping()
        except (DockerException, OSError) as error:
            where = os.environ.get("DOCKER_HOST") or DEFAULT_HOST
            reason = " ".join(str(error).split()) or type(error).__name__
            return (
                f"no Docker engine answers at {where} ({reason}); start dockerd or set DOCKER_HOST"
            )
        return None

    def open(self, owner: Owner, root: Path, artifacts: Path) -> DockerEnvironment:
        name = f"orch-{owner.id}"
        if not self.client.networks.list(names=[name], filters=_owned(owner.id)):
            self.client.networks.create(name, driver="bridge", labels=owner.labels)
        return DockerEnvironment(self.client, owner, root, artifacts, self.remove)

    def owners(self) -> list[Owner]:
        labelled = {"label": f"{LABEL_PREFIX}owner"}
        resources: list[Any] = self.client.containers.list(all=True, sparse=True, filters=labelled)
        resources += self.client.networks.list(filters=labelled)
        resources += self.client.volumes.list(filters=labelled)
        found = (owner_from_labels(resource.attrs.get("Labels") or {}) for resource in resources)
        return list(dict.fromkeys(owner for owner in found if owner is not None))

    def logs(self, owner_id: str, service: str, tail: int = 0) -> str | None:
        """The output of ``service``'s container, None when the owner has no such container."""
        filters = _service_of(owner_id, service)
        found = self.client.containers.list(all=True, sparse=True, filters=filters)
        if not found:
            return None
        try:
            output: bytes = found[0].logs(tail=tail or "all")
        except NotFound:
            return None  # removed since it was listed
        return output.decode("utf-8", errors="replace")

    def services(self, owner: Owner) -> dict[str, ContainerService]:
        """``owner``'s containers by the service each runs, whoever started them."""
        found = {}
        for container in self.client.containers.list(
            all=True, filters=_owned(owner.id), ignore_removed=True
        ):
            name = (container.attrs.get("Config", {}).get("Labels") or {}).get(SERVICE_LABEL)
            if name:
                found[name] = ContainerService(name, container, bound_ports(container.attrs))
        return found

    def remove(self, owner_id: str) -> list[str]:
        removed = []
        containers = self.client.containers.list(all=True, sparse=True, filters=_owned(owner_id))
        for container in containers:
            name = "".join(container.attrs.get("Names") or [container.short_id]).lstrip("/")
            removed += _gone(f"container {name}", lambda c=container: c.remove(force=True))
        for volume in self.client.volumes.list(filters=_owned(owner_id)):
            removed += _gone(f"volume {volume.name}", lambda v=volume: v.remove(force=True))
        for network in self.client.networks.list(filters=_owned(owner_id)):
            removed += _gone(f"network {network.name}", network.remove)
        return removed


def _service_of(owner_id: str, service: str) -> dict[str, list[str]]:
    return {"label": [f"{LABEL_PREFIX}owner={owner_id}", f"{SERVICE_LABEL}={service}"]}


def _owned(owner_id: str) -> dict[str, str]:
    return {"label": f"{LABEL_PREFIX}owner={owner_id}"}


def _gone(what: str, remove: Any) -> list[str]:
    """``["removed <what>"]`` once ``remove()`` removed it; nothing when it was already gone."""
    try:
        remove()
    except NotFound:
        return []
    except APIError as error:
        if error.status_code == 409 and "in progress" in str(error):
            return []
        raise
    return [f"removed {what}"]
