"""Whether a container's own process listens on a port, read from the host.

A published port answers on the host as soon as the container starts, because docker-proxy
accepts there before the server inside does; so a connection to it says nothing. The kernel's
table of the container's sockets does: ``/proc/<pid>/net/tcp`` (and ``tcp6``) of any process
in the container lists its network namespace's sockets, readable from the host with no tool
needed in the image.
"""

from __future__ import annotations

from pathlib import Path

LISTEN = "0A"
"""The state column of a listening socket in /proc/net/tcp (TCP_LISTEN, 10)."""


def listening_ports(table: str) -> set[int]:
    """The local ports in LISTEN state of one ``/proc/net/tcp``-format table (header first)."""
    ports = set()
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[3] != LISTEN:
            continue
        _address, _, port = fields[1].rpartition(":")
        ports.add(int(port, 16))
    return ports


def listens(pid: int, port: int, proc: Path = Path("/proc")) -> bool:
    """Whether a socket of ``pid``'s network namespace listens on ``port`` (False when the
    process is gone)."""
    for name in ("tcp", "tcp6"):
        try:
            table = (proc / str(pid) / "net" / name).read_text()
        except OSError:
            continue
        if port in listening_ports(table):
            return True
    return False
