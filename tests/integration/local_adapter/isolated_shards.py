"""Helpers of the isolation tests: a real pytest shard whose tests check, from inside, what its
sandbox or container lets them do, run by the LocalExecutor; and a listener outside it."""

from __future__ import annotations

import os
import socket
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orch.adapters.local import LocalExecutor, LocalProcess
from orch.ports import Command, Isolation

PROPERTIES = """
import errno, os, socket, pathlib

APP = pathlib.Path(__file__).parent


def writable(path):
    try:
        (path / "orch-probe").write_text("x")
    except OSError as error:
        assert error.errno in (errno.EROFS, errno.EACCES), error
        return False
    (path / "orch-probe").unlink()
    return True


def reachable(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def status(field):
    line = next(l for l in open("/proc/self/status") if l.startswith(field + ":"))
    return line.split(":", 1)[1].strip()


def test_the_root_is_read_only():
    assert not writable(pathlib.Path("/etc"))


def test_tmp_is_private_and_empty():
    assert not os.path.exists(EXPECT["machine_tmp_file"])
    assert set(os.listdir("/tmp")) <= set(EXPECT["bound_under_tmp"])


def test_the_scratch_is_writable():
    assert writable(pathlib.Path(os.environ["TMPDIR"]))


def test_pid_1_is_the_sandbox_s_own():
    assert open("/proc/1/comm").read().strip() == EXPECT["pid1"]
    assert not os.path.exists(f"/proc/{EXPECT['outside']}")  # orch's pid: not in this one


def test_the_network_is_what_was_asked():
    assert reachable(EXPECT["port"]) is EXPECT["network"]


def test_the_application_directory_is_writable_unless_read_only():
    assert writable(APP) is EXPECT["app_writable"]


def test_privileges():
    assert status("NoNewPrivs") == EXPECT["no_new_privs"]
    assert (status("CapEff") == "0000000000000000") is EXPECT["no_caps"]


def test_cpus():
    assert EXPECT["cpus"] is None or os.sched_getaffinity(0) == set(EXPECT["cpus"])
"""


@contextmanager
def outside() -> Iterator[dict[str, object]]:
    """What the machine has outside the shard while the block runs: a TCP port accepting on its
    127.0.0.1 and a file in its /tmp (the expectations naming them)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    marker = Path("/tmp") / f"orch-iso-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    marker.write_text("the machine's /tmp")
    try:
        yield {"port": server.getsockname()[1], "machine_tmp_file": str(marker)}
    finally:
        server.close()
        marker.unlink()


def under_tmp(path: Path) -> list[str]:
    """What ``/tmp`` of a sandbox or container may hold when ``path`` is bound in it: the first
    directory on the way to it (pytest's ``tmp_path`` is under the machine's ``/tmp``) and to
    orch's own interpreter and imports (a checkout in ``/tmp/ci``), nothing else."""
    found = set()
    for where in (str(path.resolve()), sys.prefix, *sys.path):
        parts = Path(where).parts
        if parts[:2] == ("/", "tmp") and len(parts) > 2:
            found.add(parts[2])
    return sorted(found)


def write_app(app: Path, expect: dict[str, object]) -> None:
    """The app with the tests of the properties ``expect`` says it must have."""
    expect = {"bound_under_tmp": under_tmp(app), **expect}
    app.mkdir(parents=True, exist_ok=True)
    (app / "test_isolation_properties.py").write_text(
        f"EXPECT = {expect!r}\n" + textwrap.dedent(PROPERTIES)
    )


def run_shard(
    executor: LocalExecutor, app: Path, scratch: Path, isolation: Isolation, tag: str
) -> tuple[LocalProcess, int, str]:
    """The app's tests run by pytest as ``isolation`` says: the process, its exit, its output."""
    argv = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly")
    process = executor.start(Command(argv, app, isolation=isolation), scratch, tag)
    deadline = time.monotonic() + 120
    while (code := process.poll()) is None:
        assert time.monotonic() < deadline, "the isolated shard never ended"
        executor.wait([process], 1.0)
    process.kill()
    return process, code, (scratch / "output.log").read_text()
