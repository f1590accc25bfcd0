"""A process service names the free port it was given in its command, as a shell: ``$ORCH_PORT``."""

from __future__ import annotations

import sys
import urllib.request

from orch.adapters.local.provisioning import ProcessEnvironment
from orch.adapters.local.service_process import expand_command
from orch.ports import PortMapping, ServiceSpec
from orch.testing.provisioner_contracts import eventually


def test_variables_expand_as_a_shell_would_and_unknown_names_stay_for_the_shell() -> None:
    env = {"ORCH_PORT": "4321", "ORCH_PORT_80": "4322", "MODE": "fast"}
    argv = ["serve", "$ORCH_PORT", "--peer=${ORCH_PORT_80}", "$$MODE", "$MODE-x", "echo $f $1"]
    assert expand_command(argv, env) == [
        "serve",
        "4321",
        "--peer=4322",
        "$MODE",
        "fast-x",
        "echo $f $1",
    ]


def test_a_server_listens_on_the_free_port_its_command_names(opened: ProcessEnvironment) -> None:
    spec = ServiceSpec(
        "web",
        "process",
        command=(sys.executable, "-m", "http.server", "$ORCH_PORT", "--bind", "127.0.0.1"),
        ports=(PortMapping(9000),),
    )
    service = opened.start(spec, {})
    port = service.ports[9000]
    assert eventually(lambda: service.listening(9000))
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
        assert answer.status == 200
