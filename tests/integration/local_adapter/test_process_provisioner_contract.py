"""The process provisioner against the Provisioner contract: services are python3 commands."""

from __future__ import annotations

import sys

import pytest

from orch.adapters.local.provisioning import ProcessProvisioner
from orch.ports import PortMapping, ServiceSpec
from orch.testing.provisioner_contracts import (
    SERVED_PORT,
    Exiting,
    ProvisionerContract,
    Serving,
)

SERVE = (
    "import http.server, os\n"
    "print('hello', os.environ.get('GREETING', ''), flush=True)\n"
    f"port = int(os.environ['ORCH_PORT_{SERVED_PORT}'])\n"
    "http.server.HTTPServer(('127.0.0.1', port), http.server.SimpleHTTPRequestHandler)"
    ".serve_forever()\n"
)


class TestProcessProvisionerContract(ProvisionerContract):
    @pytest.fixture
    def provisioner(self) -> ProcessProvisioner:
        return ProcessProvisioner()

    @pytest.fixture
    def serving(self) -> Serving:
        def make(name: str, ports: tuple[PortMapping, ...]) -> ServiceSpec:
            return ServiceSpec(name, "process", command=(sys.executable, "-c", SERVE), ports=ports)

        return make

    @pytest.fixture
    def exiting(self) -> Exiting:
        def make(name: str, status: int) -> ServiceSpec:
            code = f"print('bye', flush=True); raise SystemExit({status})"
            return ServiceSpec(name, "process", command=(sys.executable, "-c", code))

        return make
