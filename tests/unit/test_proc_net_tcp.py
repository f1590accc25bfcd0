"""The reader of /proc/<pid>/net/tcp behind ``listening``: which ports a container's own
process listens on, from the kernel's table of its network namespace."""

from __future__ import annotations

from pathlib import Path

from orch.adapters.docker.listening import listening_ports, listens

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
TCP = HEADER + (
    "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0\n"
    "   1: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0\n"
    "   2: 0100007F:1F90 0100007F:A2C4 01 00000000:00000000 00:00000000 00000000     0\n"
)
TCP6 = HEADER + (
    "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0\n"
)


def test_only_sockets_in_listen_state_count() -> None:
    assert listening_ports(TCP) == {8080, 5432}


def test_an_established_connection_from_a_port_is_not_listening_on_it() -> None:
    established_only = HEADER + TCP.splitlines(keepends=True)[3]
    assert listening_ports(established_only) == set()


def test_an_empty_table_or_a_short_line_has_no_ports() -> None:
    assert listening_ports(HEADER) == set()
    assert listening_ports(HEADER + "   0: garbage\n") == set()


def test_listens_reads_tcp_and_tcp6_of_the_process(tmp_path: Path) -> None:
    net = tmp_path / "42" / "net"
    net.mkdir(parents=True)
    (net / "tcp").write_text(TCP)
    (net / "tcp6").write_text(TCP6)
    assert listens(42, 8080, proc=tmp_path)
    assert listens(42, 80, proc=tmp_path)
    assert not listens(42, 9000, proc=tmp_path)


def test_a_process_that_is_gone_listens_on_nothing(tmp_path: Path) -> None:
    assert not listens(7, 8080, proc=tmp_path)
