"""A ``postgres`` service run as a process: a fresh cluster in the service's directory.

``initdb`` makes it (password authentication over TCP, ``scram-sha-256``), ``postgres`` serves
it on 127.0.0.1 with settings that trade durability for speed (a test database is thrown away),
and the schemas are loaded in order with ``psql -v ON_ERROR_STOP=1``. PostgreSQL refuses to run
as root, so when orch is root the cluster belongs to ``nobody`` and the server runs as it.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from orch.adapters.local import postgres_binaries
from orch.adapters.local.free_ports import HOST, host_ports
from orch.adapters.local.service_process import Child, ServiceProcess, environment, spawn
from orch.ports import (
    Owner,
    PortMapping,
    PostgresConfig,
    ProvisionError,
    ServiceSpec,
)
from orch.ports.environment import DEFAULT_WAIT_TIMEOUT, POSTGRES_PORT

FAST_SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=50",
    "shared_buffers=16MB",
    "max_wal_senders=0",
    "wal_level=minimal",
)
"""What ``postgres`` is started with: nothing is kept after the environment ends."""

LOG_LINES = 20


def _unprivileged() -> tuple[int, int] | None:
    """The uid and gid to run PostgreSQL as: ``nobody``'s when orch is root, else orch's own."""
    if os.geteuid() != 0:
        return None
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def _wait_timeout(service: ServiceSpec) -> float:
    timeouts = [strategy.timeout for strategy in service.wait.strategies]
    return max(timeouts, default=DEFAULT_WAIT_TIMEOUT)


def start_postgres(
    owner: Owner, service: ServiceSpec, directory: Path, env: Mapping[str, str], root: Path
) -> ServiceProcess:
    """Start ``service``'s server in ``directory`` and return once its schemas are loaded."""
    config = service.config or PostgresConfig()
    if config.mode == "container":
        raise ProvisionError(service.name, "asks for mode: container; it cannot run as a process")
    binaries = postgres_binaries.find(service.name, config.version)
    ports = host_ports(service.name, (PortMapping(POSTGRES_PORT, config.port),))
    port = ports[POSTGRES_PORT]
    user = _unprivileged()
    whole = environment(owner, service.name, env, ports)
    whole.update(
        HOME=str(directory),
        PGHOST=HOST,
        PGPORT=str(port),
        PGUSER=config.user,
        PGPASSWORD=config.password,
        PGDATABASE=config.database,
    )
    data = directory / "data"
    password_file = directory / "password"
    password_file.write_text(config.password + "\n")
    if user is not None:
        for path in (directory, password_file, directory / "output.log"):
            path.touch(exist_ok=True)
            os.chown(path, *user)
    initdb = spawn(
        service.name,
        [
            binaries.program("initdb"),
            "-D",
            str(data),
            "-U",
            config.user,
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            "--no-instructions",
        ],
        directory,
        whole,
        user,
    )
    if initdb.wait() != 0:
        raise ProvisionError(service.name, "initdb failed", _tail(directory))
    settings = [argument for setting in FAST_SETTINGS for argument in ("-c", setting)]
    server = spawn(
        service.name,
        [
            binaries.program("postgres"),
            "-D",
            str(data),
            "-h",
            HOST,
            "-p",
            str(port),
            "-k",
            str(directory),
            *settings,
        ],
        directory,
        whole,
        user,
    )
    running = ServiceProcess(service.name, ports, directory, whole, Child(server))
    _wait_ready(running, binaries, _wait_timeout(service))
    _load(running, binaries, config, root)
    return running


def _tail(directory: Path) -> str:
    try:
        lines = (directory / "output.log").read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-LOG_LINES:])


def _wait_ready(
    running: ServiceProcess, binaries: postgres_binaries.PostgresBinaries, timeout: float
) -> None:
    """Poll ``pg_isready`` until the server accepts connections; a server that ended or did
    not answer within ``timeout`` is a ``ProvisionError`` with its last log lines."""
    deadline = time.monotonic() + timeout
    probe = [
        binaries.program("pg_isready"),
        "-q",
        "-h",
        HOST,
        "-p",
        str(running.ports[POSTGRES_PORT]),
    ]
    while True:
        ended = running.ended()
        if ended is not None:
            raise ProvisionError(running.name, f"postgres {ended}", _tail(running.directory))
        if time.monotonic() > deadline:
            raise ProvisionError(
                running.name,
                f"postgres did not accept connections within {timeout:g} s; see its log",
                _tail(running.directory),
            )
        if subprocess.run(probe, env=dict(running.env), check=False).returncode == 0:
            return
        time.sleep(0.05)


def _load(
    running: ServiceProcess,
    binaries: postgres_binaries.PostgresBinaries,
    config: PostgresConfig,
    root: Path,
) -> None:
    """Create the database (unless it is ``postgres``, which initdb made) and run each schema."""
    psql = [binaries.program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    if config.database != "postgres":
        name = config.database.replace('"', '""')
        _psql(
            running,
            [*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{name}"'],
            "creating the database",
        )
    for schema in config.schemas:
        path = root / schema
        if not path.is_file():
            raise ProvisionError(running.name, f"schema {schema}: no such file under {root}")
        _psql(running, [*psql, "-f", str(path)], f"schema {schema}")


def _psql(running: ServiceProcess, command: list[str], what: str) -> None:
    done = subprocess.run(
        command, env=dict(running.env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if "ERROR" in line or "FATAL" in line]
        line = (
            errors or done.stderr.splitlines() or [f"psql exited with status {done.returncode}"]
        )[0]
        raise ProvisionError(running.name, f"{what} failed: {line.strip()}", done.stderr)
