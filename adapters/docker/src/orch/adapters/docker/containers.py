"""What ``docker create`` gets for one service: its published ports (on 127.0.0.1 only), mounts,
limits, labels and its alias on the owner's network; and the host ports it got once started."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import docker

from orch.ports import Owner, ProvisionError, ServiceSpec

HOST = "127.0.0.1"
"""The only address a port is published on: nothing of a test environment is reached from
outside the machine."""


def names(owner: Owner, service: str) -> tuple[str, dict[str, str]]:
    """The name and labels of ``owner``'s resource for ``service``."""
    return f"orch-{owner.id}-{service}", {**owner.labels, "orch.service": service}


def create_options(
    client: docker.DockerClient,
    owner: Owner,
    root: Path,
    service: ServiceSpec,
    env: Mapping[str, str],
) -> dict[str, Any]:
    """The keyword arguments of ``containers.create`` for ``service`` (named volumes created)."""
    name, labels = names(owner, service.name)
    network = f"orch-{owner.id}"
    options: dict[str, Any] = {
        "name": name,
        "labels": labels,
        "environment": dict(env),
        "ports": {f"{p.container}/tcp": (HOST, p.host or None) for p in service.ports},
        "volumes": _volumes(client, owner, root, service),
        "network": network,
        "networking_config": {network: client.api.create_endpoint_config(aliases=[service.name])},
        "detach": True,
    }
    if service.command:
        options["command"] = list(service.command)
    if service.resources.cpus is not None:
        options["nano_cpus"] = int(service.resources.cpus * 1e9)
    if service.resources.memory is not None:
        options["mem_limit"] = service.resources.memory
    return options


def _volumes(
    client: docker.DockerClient, owner: Owner, root: Path, service: ServiceSpec
) -> dict[str, dict[str, str]]:
    """Bind mounts for sources that are paths (under ``root``: with a ``/``, starting with ``.``
    or naming something there), named volumes of this owner for the others (creating one that
    exists is no error: a second service shares it)."""
    mounts = {}
    for volume in service.volumes:
        mode = "ro" if volume.read_only else "rw"
        path = root / volume.source
        if path.exists():
            source = str(path.resolve())
        elif "/" in volume.source or volume.source.startswith("."):
            raise ProvisionError(
                service.name, f"volume source {path} does not exist; create it or fix the path"
            )
        else:
            source, labels = names(owner, volume.source)
            client.volumes.create(name=source, labels=labels)
        mounts[source] = {"bind": volume.target, "mode": mode}
    return mounts


def published_ports(attrs: Mapping[str, Any], service: ServiceSpec) -> dict[int, int]:
    """The host port each declared container port got, from a started container's attributes."""
    bound = bound_ports(attrs)
    return {port.container: bound.get(port.container, port.host) for port in service.ports}


def bound_ports(attrs: Mapping[str, Any]) -> dict[int, int]:
    """Every TCP port of a started container published on the host, and the port it got."""
    bound = attrs["NetworkSettings"]["Ports"] or {}
    ports = {}
    for key, bindings in bound.items():
        number, _, protocol = key.partition("/")
        if bindings and protocol == "tcp":
            ports[int(number)] = int(bindings[0]["HostPort"])
    return ports
