"""The host ports of a process service: a free one of 127.0.0.1 for each ``PortMapping`` with
host 0, a fixed one as given once nothing listens on it.

A process binds its ports itself, after this returns, so a free port can still be taken in
between; checking a fixed one first turns the common clash (another server on it) into an error
that names the service and the port rather than a process that dies on start.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from orch.ports import PortMapping, ProvisionError

HOST = "127.0.0.1"
"""Where every process service listens and is reached."""


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _taken(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    return False


def host_ports(service: str, ports: Sequence[PortMapping]) -> dict[int, int]:
    """Each declared port of ``service`` to the host port it gets, in the order declared."""
    chosen: dict[int, int] = {}
    for mapping in ports:
        if mapping.host == 0:
            chosen[mapping.container] = free_port()
        elif _taken(mapping.host):
            raise ProvisionError(
                service,
                f"port {mapping.host} of {HOST} is taken (something already listens there); "
                "stop it, or publish the port on 0 to get a free one",
            )
        else:
            chosen[mapping.container] = mapping.host
    return chosen


def listening(port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections on ``port`` of 127.0.0.1."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False
