"""The Docker provisioner against the contract every provisioner passes, with busybox services."""

from __future__ import annotations

import pytest
from docker_images import SERVE

from orch.adapters.docker.provisioner import DockerProvisioner
from orch.ports import PortMapping, ServiceSpec
from orch.testing.provisioner_contracts import Exiting, ProvisionerContract, Serving


class TestDockerProvisionerContract(ProvisionerContract):
    @pytest.fixture
    def serving(self, busybox: str) -> Serving:
        def make(name: str, ports: tuple[PortMapping, ...]) -> ServiceSpec:
            command = ("sh", "-c", SERVE)
            return ServiceSpec(name, "docker", image=busybox, command=command, ports=ports)

        return make

    @pytest.fixture
    def exiting(self, busybox: str) -> Exiting:
        def make(name: str, status: int) -> ServiceSpec:
            command = ("sh", "-c", f"echo bye; exit {status}")
            return ServiceSpec(name, "docker", image=busybox, command=command)

        return make

    def test_it_registers_through_its_plugin(self) -> None:
        from orch.adapters.docker import plugin

        assert plugin.orch_register_provisioners() == [DockerProvisioner]
