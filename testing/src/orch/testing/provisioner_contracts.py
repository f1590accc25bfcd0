"""The contract every ``Provisioner`` passes: the Docker adapter, the process adapter, the fake.

A subclass gives three fixtures:

- ``provisioner``: the adapter, able to start services here (``unavailable()`` is None);
- ``serving``: ``serving(name, ports)`` makes a ``ServiceSpec`` of a type it starts that prints
  ``hello <$GREETING>`` on a line of its own once it starts (``GREETING`` is in the env it is
  started with), then answers HTTP ``GET /`` with 200 on its declared port ``SERVED_PORT``,
  published as ``ports`` say;
- ``exiting``: ``exiting(name, status)`` makes one that prints ``bye`` and exits with ``status``.

Services are started under a fresh ``Owner`` per test and removed at the end of it, whatever
happened.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orch.ports import (
    Owner,
    PortMapping,
    ProvisionedEnvironment,
    Provisioner,
    ProvisionError,
    RunningService,
    ServiceSpec,
    Usage,
)

SERVED_PORT = 8080
"""The port a ``serving`` service declares and answers HTTP on."""

Serving = Callable[[str, tuple[PortMapping, ...]], ServiceSpec]
Exiting = Callable[[str, int], ServiceSpec]


_HELD: list[int] = []


def held(owner: Owner) -> Owner:
    """``owner``, its lock held by this process until it ends, as a live orchestrator holds
    it: every orch that starts prunes the resources of owners whose lock is free, and tests
    run beside other tests' orch processes."""
    owner.directory.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(owner.lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    _HELD.append(descriptor)
    return owner


def eventually(check: Callable[[], object], seconds: float = 20.0) -> object:
    """What ``check`` returns once it is truthy, polling; fails the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            assert answer, f"not true within {seconds} s: {check}"
            return answer
        time.sleep(0.05)


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_status(host: str, port: int) -> int:
    """The status of ``GET /`` on ``host:port``, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/", timeout=2) as answer:
            return int(answer.status)
    except OSError:
        return 0


class ProvisionerContract:
    """What every ``Provisioner`` must do."""

    @pytest.fixture
    def owner(self, tmp_path: Path) -> Owner:
        directory = tmp_path / "owner"
        directory.mkdir()
        name = uuid.uuid4().hex[:8]
        return held(Owner(f"contract-{name}", f"run-{name}", "contract", "0" * 64, directory))

    @pytest.fixture
    def opened(
        self, provisioner: Provisioner, owner: Owner, tmp_path: Path
    ) -> Iterator[ProvisionedEnvironment]:
        environment = provisioner.open(owner, tmp_path, tmp_path / "artifacts")
        try:
            yield environment
        finally:
            environment.close()
            provisioner.remove(owner.id)

    def _serve(
        self,
        opened: ProvisionedEnvironment,
        serving: Serving,
        ports: tuple[PortMapping, ...] = (PortMapping(SERVED_PORT),),
        name: str = "web",
    ) -> RunningService:
        return opened.start(serving(name, ports), {"GREETING": "contract"})

    def test_it_is_a_provisioner_that_can_start_services_here(
        self, provisioner: Provisioner
    ) -> None:
        assert isinstance(provisioner, Provisioner)
        assert provisioner.unavailable() is None
        assert provisioner.SERVICE_TYPES

    def test_a_started_service_is_reached_on_127_0_0_1_at_the_port_it_got(
        self, opened: ProvisionedEnvironment, serving: Serving
    ) -> None:
        service = self._serve(opened, serving)
        assert isinstance(service, RunningService)
        assert service.name == "web"
        assert service.host == "127.0.0.1"
        port = service.ports[SERVED_PORT]
        assert port > 0
        eventually(lambda: service.listening(SERVED_PORT))
        assert eventually(lambda: http_status(service.host, port) == 200)

    def test_a_fixed_host_port_is_the_one_published(
        self, opened: ProvisionedEnvironment, serving: Serving
    ) -> None:
        wanted = free_port()
        service = self._serve(opened, serving, (PortMapping(SERVED_PORT, wanted),))
        assert service.ports == {SERVED_PORT: wanted}
        assert eventually(lambda: http_status("127.0.0.1", wanted) == 200)

    def test_a_taken_host_port_is_a_provision_error_naming_the_service(
        self, opened: ProvisionedEnvironment, serving: Serving
    ) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            with pytest.raises(ProvisionError) as error:
                self._serve(opened, serving, (PortMapping(SERVED_PORT, port),), name="clash")
        assert error.value.service == "clash"
        assert str(port) in str(error.value)

    def test_not_listening_before_the_service_serves(
        self, opened: ProvisionedEnvironment, exiting: Exiting
    ) -> None:
        service = opened.start(exiting("quiet", 0), {})
        assert not service.listening(SERVED_PORT)

    def test_what_a_service_prints_is_in_its_logs_with_its_env(
        self, opened: ProvisionedEnvironment, serving: Serving
    ) -> None:
        service = self._serve(opened, serving)
        assert eventually(lambda: "hello contract" in service.logs())
        assert "hello contract" in service.logs(tail=5)

    def test_the_provisioner_reads_a_service_s_output_by_its_owner_and_name(
        self,
        provisioner: Provisioner,
        opened: ProvisionedEnvironment,
        owner: Owner,
        serving: Serving,
    ) -> None:
        service = self._serve(opened, serving)
        assert eventually(lambda: "hello contract" in service.logs())
        assert "hello contract" in str(provisioner.logs(owner.id, "web"))
        assert "hello contract" in str(provisioner.logs(owner.id, "web", tail=3))
        assert provisioner.logs(owner.id, "nobody") is None
        assert provisioner.logs("no-such-owner", "web") is None

    def test_a_command_beside_the_service_gives_its_exit_status(
        self, opened: ProvisionedEnvironment, serving: Serving
    ) -> None:
        service = self._serve(opened, serving)
        assert service.run(["sh", "-c", "exit 0"], timeout=20) == 0
        assert service.run(["sh", "-c", "exit 3"], timeout=20) == 3
        assert service.run(["sh", "-c", "sleep 30"], timeout=0.5) == -1

    def test_a_running_service_has_not_ended_and_an_exited_one_says_its_status(
        self, opened: ProvisionedEnvironment, serving: Serving, exiting: Exiting
    ) -> None:
        running = self._serve(opened, serving)
        assert running.ended() is None
        done = opened.start(exiting("done", 3), {})
        ended = eventually(done.ended)
        assert "3" in str(ended)
        assert eventually(lambda: "bye" in done.logs())

    def test_usage_is_measured(self, opened: ProvisionedEnvironment, serving: Serving) -> None:
        service = self._serve(opened, serving)
        eventually(lambda: service.listening(SERVED_PORT))
        usage = service.usage()
        assert isinstance(usage, Usage)
        assert usage.cpu_seconds >= 0
        assert usage.memory > 0
        assert usage.peak_memory == 0 or usage.peak_memory >= usage.memory

    def test_a_peer_address_is_a_host_and_port(
        self, opened: ProvisionedEnvironment, serving: Serving
    ) -> None:
        service = self._serve(opened, serving)
        host, port = opened.peer_address(service, SERVED_PORT)
        assert host and port > 0

    def test_the_owner_is_listed_until_removed_and_removing_is_idempotent(
        self,
        provisioner: Provisioner,
        opened: ProvisionedEnvironment,
        owner: Owner,
        serving: Serving,
    ) -> None:
        service = self._serve(opened, serving)
        port = service.ports[SERVED_PORT]
        eventually(lambda: http_status("127.0.0.1", port) == 200)
        assert owner in provisioner.owners()
        removed = provisioner.remove(owner.id)
        assert removed and all(isinstance(line, str) for line in removed)
        assert owner not in provisioner.owners()
        assert http_status("127.0.0.1", port) == 0
        assert provisioner.remove(owner.id) == []

    def test_removing_one_owner_leaves_another_alone(
        self,
        provisioner: Provisioner,
        opened: ProvisionedEnvironment,
        serving: Serving,
        tmp_path: Path,
    ) -> None:
        name = "contract-other-" + uuid.uuid4().hex[:8]
        other = held(Owner(name, "run-x", "other", "1" * 64, tmp_path / "other"))
        second = provisioner.open(other, tmp_path, tmp_path / "other-artifacts")
        try:
            kept = second.start(serving("kept", (PortMapping(SERVED_PORT),)), {})
            self._serve(opened, serving)
            provisioner.remove(opened.owner.id)
            assert eventually(lambda: http_status("127.0.0.1", kept.ports[SERVED_PORT]) == 200)
            assert other in provisioner.owners()
        finally:
            second.close()
            provisioner.remove(other.id)

    def test_another_process_re_attaches_to_an_owner_s_services_by_name(
        self,
        provisioner: Provisioner,
        opened: ProvisionedEnvironment,
        owner: Owner,
        serving: Serving,
        exiting: Exiting,
    ) -> None:
        started = self._serve(opened, serving)
        eventually(lambda: started.listening(SERVED_PORT))
        done = opened.start(exiting("done", 3), {})
        eventually(done.ended)
        found = provisioner.services(owner)
        assert set(found) == {"web", "done"}
        web = found["web"]
        assert isinstance(web, RunningService)
        assert (web.name, web.host, dict(web.ports)) == ("web", "127.0.0.1", dict(started.ports))
        assert web.ended() is None
        assert web.listening(SERVED_PORT)
        assert eventually(lambda: "hello contract" in web.logs())
        assert web.run(["sh", "-c", "exit 4"], timeout=20) == 4
        assert found["done"].ended() is not None
        provisioner.remove(owner.id)
        assert provisioner.services(owner) == {}
        assert eventually(lambda: web.ended() is not None)

    def test_an_owner_with_nothing_here_has_no_services(
        self, provisioner: Provisioner, owner: Owner
    ) -> None:
        assert provisioner.services(owner) == {}

    def test_closing_writes_each_services_log_and_is_idempotent(
        self,
        provisioner: Provisioner,
        opened: ProvisionedEnvironment,
        owner: Owner,
        serving: Serving,
        tmp_path: Path,
    ) -> None:
        service = self._serve(opened, serving)
        eventually(lambda: "hello contract" in service.logs())
        opened.close()
        opened.close()
        assert "hello contract" in (tmp_path / "artifacts" / "web.log").read_text()
        assert owner not in provisioner.owners()
