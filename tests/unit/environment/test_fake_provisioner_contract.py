"""The fake provisioner passes the contract the real ones pass, which is what makes it a fake."""

from __future__ import annotations

import pytest

from orch.ports import PortMapping, ServiceSpec
from orch.testing.fake_provisioner import FakeProvisioner
from orch.testing.provisioner_contracts import Exiting, ProvisionerContract, Serving


class TestFakeProvisionerContract(ProvisionerContract):
    @pytest.fixture
    def provisioner(self) -> FakeProvisioner:
        return FakeProvisioner()

    @pytest.fixture
    def serving(self) -> Serving:
        def serving(name: str, ports: tuple[PortMapping, ...]) -> ServiceSpec:
            return ServiceSpec(name, "process", command=("serve",), ports=ports)

        return serving

    @pytest.fixture
    def exiting(self) -> Exiting:
        def exiting(name: str, status: int) -> ServiceSpec:
            return ServiceSpec(name, "process", command=("exit", str(status)))

        return exiting
