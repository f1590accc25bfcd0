"""A Provisioner whose services are HTTP servers in this process: core's environment tests run
against it, fast and without Docker, and it passes the same contract as the real adapters.

A service's ``command`` says what it does (any type of service):

- ``("serve",)`` or ``("serve", SECONDS)``: prints ``hello <$GREETING>``, then (after SECONDS)
  answers ``GET`` with 200 on every declared port;
- ``("die", SECONDS)``: serves, then ends with status 1 after SECONDS (a service that dies
  during a run); ``("die", SECONDS, "then", COMMAND...)``: so the first time, and COMMAND each
  later time this provisioner starts a service of that name (its replacement);
- ``("exit", STATUS)``: prints ``bye`` and ends with STATUS at once;
- ``("fail", WORDS...)``: ``start`` raises ``ProvisionError`` saying WORDS (``missing`` when the
  first word is ``missing``).

No command serves. ``run`` runs a real command on the machine. ``started`` records each start
(owner id, service, env) in order; ``by_owner`` holds each owner's services (what
``services(owner)`` re-finds, as another process re-attaches to a warm environment of a pool);
``FakeProvisioner(types)`` starts only those types.
"""

from __future__ import annotations

import http.server
import os
import resource
import subprocess
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from attrs import evolve

from orch.ports import Owner, ProvisionError, ServiceSpec, Usage


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        return


class FakeService:
    """A started fake service: its servers, what it printed, how it ended."""

    host = "127.0.0.1"

    def __init__(self, spec: ServiceSpec, env: Mapping[str, str]) -> None:
        self.name = spec.name
        self.spec = spec
        self._lines: list[str] = []
        self._servers: dict[int, http.server.ThreadingHTTPServer] = {}
        self._status: int | None = None
        self._serving = False
        self._lock = threading.Lock()
        self.ports = self._bind(spec)
        action, *arguments = spec.command or ("serve",)
        if action == "exit":
            self._print("bye")
            self.stop(int(arguments[0]))
            return
        self._print(f"hello {env.get('GREETING', '')}")
        delay = float(arguments[0]) if arguments and action == "serve" else 0.0
        threading.Timer(delay, self._serve).start()
        if action == "die":
            threading.Timer(float(arguments[0]), self.stop, (1,)).start()

    def _bind(self, spec: ServiceSpec) -> dict[int, int]:
        ports = {}
        for mapping in spec.ports:
            try:
                server = http.server.ThreadingHTTPServer(("127.0.0.1", mapping.host), _Answer)
            except OSError as error:
                self.stop()
                raise ProvisionError(
                    spec.name, f"port {mapping.host} of 127.0.0.1 is taken ({error.strerror})"
                ) from None
            self._servers[mapping.container] = server
            ports[mapping.container] = int(server.server_address[1])
        return ports

    def _serve(self) -> None:
        with self._lock:
            if self._status is not None:
                return
            for server in self._servers.values():
                threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
            self._serving = True

    def _print(self, line: str) -> None:
        self._lines.append(line)

    def stop(self, status: int = -9) -> None:
        """Stop serving; the service has ended (``status``, -9: killed) unless it already had."""
        with self._lock:
            servers, self._servers = list(self._servers.values()), {}
            serving, self._serving = self._serving, False
            if self._status is None:
                self._status = status
        for server in servers:
            if serving:
                server.shutdown()
            server.server_close()

    def listening(self, port: int) -> bool:
        return self._serving and port in self._servers

    def run(self, command: Sequence[str], timeout: float) -> int:
        try:
            return subprocess.run(list(command), timeout=timeout, check=False).returncode
        except subprocess.TimeoutExpired:
            return -1

    def logs(self, tail: int = 0) -> str:
        lines = self._lines[-tail:] if tail else self._lines
        return "".join(line + "\n" for line in lines)

    def ended(self) -> str | None:
        if self._status is None:
            return None
        return "killed" if self._status < 0 else f"exited with status {self._status}"

    def usage(self) -> Usage:
        """The test process's own CPU time and memory: the fake's threads live in it."""
        memory = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        used = resource.getrusage(resource.RUSAGE_SELF)
        return Usage(
            cpu_seconds=used.ru_utime + used.ru_stime,
            memory=memory,
            peak_memory=max(memory, used.ru_maxrss * 1024),
        )


class FakeEnvironment:
    """One owner's fake services."""

    def __init__(self, provisioner: FakeProvisioner, owner: Owner, artifacts: Path) -> None:
        self.provisioner = provisioner
        self.owner = owner
        self.artifacts = artifacts

    def start(self, service: ServiceSpec, env: Mapping[str, str]) -> FakeService:
        again = any(name == service.name for _, name, _ in self.provisioner.started)
        self.provisioner.started.append((self.owner.id, service.name, dict(env)))
        action, *words = service.command or ("serve",)
        if action == "die" and words[1:2] == ["then"] and again:
            action, *words = words[2:]
            service = evolve(service, command=(action, *words))
        if action == "fail":
            raise ProvisionError(service.name, " ".join(words), missing=words[:1] == ["missing"])
        started = FakeService(service, env)
        self.provisioner.by_owner.setdefault(self.owner, []).append(started)
        return started

    def peer_address(self, service: FakeService, port: int) -> tuple[str, int]:
        return ("127.0.0.1", service.ports[port])

    def close(self) -> None:
        services = self.provisioner.by_owner.get(self.owner, [])
        if services:
            self.artifacts.mkdir(parents=True, exist_ok=True)
        for service in services:
            (self.artifacts / f"{service.name}.log").write_text(service.logs())
        self.provisioner.remove(self.owner.id)


class FakeProvisioner:
    """Fake services of every type (or of ``types``), kept in memory per owner."""

    PLUGIN_NAME: ClassVar[str] = "fake"
    SERVICE_TYPES: ClassVar[frozenset[str]] = frozenset({"docker", "process", "postgres"})

    def __init__(self, types: Iterable[str] | None = None, unavailable: str | None = None) -> None:
        if types is not None:
            self.SERVICE_TYPES = frozenset(types)  # type: ignore[misc]
        self._unavailable = unavailable
        self.by_owner: dict[Owner, list[FakeService]] = {}
        self.started: list[tuple[str, str, dict[str, str]]] = []

    def unavailable(self) -> str | None:
        return self._unavailable

    def open(self, owner: Owner, root: Path, artifacts: Path) -> FakeEnvironment:
        return FakeEnvironment(self, owner, artifacts)

    def owners(self) -> list[Owner]:
        return [owner for owner, services in self.by_owner.items() if services]

    def logs(self, owner_id: str, service: str, tail: int = 0) -> str | None:
        for owner, services in self.by_owner.items():
            for started in services:
                if owner.id == owner_id and started.name == service:
                    return started.logs(tail)
        return None

    def services(self, owner: Owner) -> dict[str, FakeService]:
        """``owner``'s services by name: the fakes live in this process, so re-attaching is
        finding them (an ended one too, as a real provisioner finds an exited container)."""
        return {
            service.name: service
            for found, services in self.by_owner.items()
            if found.id == owner.id
            for service in services
        }

    def remove(self, owner_id: str) -> list[str]:
        removed = []
        for owner in [owner for owner in self.by_owner if owner.id == owner_id]:
            for service in self.by_owner.pop(owner):
                service.stop()
                removed.append(f"service {service.name}")
        return removed
