"""Entry point of the Docker adapter: registers the DockerProvisioner."""

from __future__ import annotations

from orch.adapters.docker.provisioner import DockerProvisioner
from orch.ports import hookimpl


@hookimpl
def orch_register_provisioners() -> list[type]:
    """Provide the provisioner that starts docker and postgres services as containers."""
    return [DockerProvisioner]
