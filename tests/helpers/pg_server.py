"""A throwaway PostgreSQL server for tests and benchmarks: ``initdb`` in a temporary folder,
``pg_ctl`` on a free port of 127.0.0.1 with password (scram) authentication, stopped at the end.

The sink's tests need a real server (COPY, CREATE DATABASE ... TEMPLATE, FORCE drops), and
its benchmark measures one; both start it the same way, from here.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

USER = "orch"
PASSWORD = "s3cret-Pw"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unused_url() -> str:
    """The URL of a port nothing listens on: a server that is down."""
    return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{_free_port()}/postgres"


def _as_server_user(folder: Path) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as ``postgres`` (owning ``folder``)."""
    if os.geteuid() != 0:
        return []
    account = pwd.getpwnam("postgres")
    for path in (folder, *folder.rglob("*")):
        os.chown(path, account.pw_uid, account.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


@contextlib.contextmanager
def pg_server() -> Iterator[str]:
    """Start a server in a new folder of /tmp; yield its ``postgresql://`` URL (database
    ``postgres``); stop it and remove the folder at the end."""
    folder = Path(tempfile.mkdtemp(prefix="orch-pg-"))
    folder.chmod(0o755)
    data, secret = folder / "data", folder / "pw"
    secret.write_text(PASSWORD)
    sudo = _as_server_user(folder)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    subprocess.run(
        [
            *sudo,
            "initdb",
            "-D",
            str(data),
            "-U",
            USER,
            "--pwfile",
            str(secret),
            "-A",
            "scram-sha-256",
        ],
        **quiet,  # type: ignore[call-overload]
    )
    port = _free_port()
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(
        [*sudo, "pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"],
        env=env,
        **quiet,  # type: ignore[call-overload]
    )
    try:
        yield f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres"
    finally:
        stop = [*sudo, "pg_ctl", "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(stop, **quiet)  # type: ignore[call-overload]
        shutil.rmtree(folder, ignore_errors=True)
