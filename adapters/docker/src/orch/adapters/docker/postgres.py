"""A ``postgres`` service on Docker: the official image's conventions (POSTGRES_USER/PASSWORD/DB,
the server on 5432), ready once ``pg_isready`` answers over TCP inside the container, then its
schemas loaded in order with ``psql``.

The official image starts a first server on its Unix socket only to initialise the database and
restarts it; ``-h 127.0.0.1`` therefore answers for the final server alone, so readiness is never
taken from the temporary one.
"""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

from attrs import evolve

from orch.adapters.docker.service import ContainerService
from orch.ports import PortMapping, PostgresConfig, ProvisionError, ServiceSpec
from orch.ports.environment import POSTGRES_PORT

DEFAULT_VERSION = "15"
READY_TIMEOUT = 60.0
"""Seconds a postgres service may take to answer when its ``wait`` gives no timeout."""
POLL_SECONDS = 0.2
SCHEMA_DIRECTORY = "/tmp/orch-schemas"
LOG_LINES = 30


def container_spec(service: ServiceSpec) -> tuple[ServiceSpec, dict[str, str]]:
    """``service`` as a docker service of the postgres image, and the environment it needs."""
    config = service.config or PostgresConfig()
    image = service.image or f"postgres:{config.version or DEFAULT_VERSION}"
    env = {
        "POSTGRES_USER": config.user,
        "POSTGRES_PASSWORD": config.password,
        "POSTGRES_DB": config.database,
    }
    return evolve(service, image=image, ports=(PortMapping(POSTGRES_PORT, config.port),)), env


def wait_ready(running: ContainerService, service: ServiceSpec) -> None:
    """Return once the final server answers on 127.0.0.1:5432 inside the container."""
    timeouts = [strategy.timeout for strategy in service.wait.strategies]
    timeout = max(timeouts) if timeouts else READY_TIMEOUT
    deadline = time.monotonic() + timeout
    probe = ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(POSTGRES_PORT)]
    while True:
        ended = running.ended()
        if ended is not None:
            raise ProvisionError(service.name, f"postgres {ended}", running.logs(LOG_LINES))
        if running.container.exec_run(probe).exit_code == 0:
            return
        if time.monotonic() > deadline:
            raise ProvisionError(
                service.name,
                f"postgres did not answer within {timeout:g} s; see its log",
                running.logs(LOG_LINES),
            )
        time.sleep(POLL_SECONDS)


def load_schemas(running: ContainerService, service: ServiceSpec, root: Path) -> None:
    """Copy each schema file (relative to ``root``) in and run it with ``psql``, in order."""
    config = service.config or PostgresConfig()
    for number, schema in enumerate(config.schemas):
        path = root / schema
        try:
            text = path.read_bytes()
        except OSError as error:
            raise ProvisionError(
                service.name, f"schema {path} cannot be read ({error.strerror}); fix the path"
            ) from error
        target = f"{number:03d}-{path.name}"
        running.container.put_archive("/tmp", _archive(f"orch-schemas/{target}", text))
        command = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p"]
        command += [str(POSTGRES_PORT), "-U", config.user, "-d", config.database]
        command += ["-f", f"{SCHEMA_DIRECTORY}/{target}"]
        done = running.container.exec_run(
            command, environment={"PGPASSWORD": config.password}, demux=True
        )
        if done.exit_code != 0:
            _out, err = done.output
            output = (err or b"").decode("utf-8", "replace")
            raise ProvisionError(
                service.name, f"schema {schema} failed: {_error_line(output)}", output
            )


def _error_line(output: str) -> str:
    """psql's error line (its first line saying ERROR or FATAL), else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    found = [line for line in lines if "ERROR" in line or "FATAL" in line]
    if found:
        return found[0]
    return lines[-1] if lines else "psql gave no output"


def _archive(name: str, content: bytes) -> bytes:
    """A tar archive with one file ``name`` holding ``content``, readable by anyone."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for directory in Path(name).parents:
            if str(directory) != ".":
                info = tarfile.TarInfo(str(directory))
                info.type, info.mode = tarfile.DIRTYPE, 0o777
                archive.addfile(info)
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(content), 0o644
        archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()
