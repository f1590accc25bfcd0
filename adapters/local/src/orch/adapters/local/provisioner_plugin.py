"""Entry point of the local adapter's provisioner: a plugin of its own, loaded only when
environments are wanted."""

from __future__ import annotations

from orch.adapters.local.provisioning import ProcessProvisioner
from orch.ports import hookimpl


@hookimpl
def orch_register_provisioners() -> list[type]:
    """Provide the provisioner that runs process and postgres services as local processes."""
    return [ProcessProvisioner]
