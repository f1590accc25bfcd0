"""Remove the shard containers of an orchestrator that was killed (SIGKILL leaves no time).

A container outlives the docker client the executor started it with, so the first container
shard of a process starts one watcher: ``python -m orch.adapters.local.container_watch PID``,
in a session of its own and without a parent-death signal. It blocks on a pidfd of orch's
process; once orch is gone, however it ended, it removes every container labelled with that
pid (``container.PID_LABEL``) and exits. A run that ended normally has removed its own: the
watcher finds none.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

from orch.adapters.local import container

_started: set[int] = set()


def watch_containers() -> None:
    """Start this process's watcher, once."""
    if os.getpid() in _started:
        return
    subprocess.Popen(
        [sys.executable, "-m", "orch.adapters.local.container_watch", str(os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _started.add(os.getpid())


def wait_for_end(pid: int) -> None:
    """Until process ``pid`` has ended (a pidfd where there is one, else polling)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        while os.path.exists(f"/proc/{pid}"):
            time.sleep(0.5)
        return
    select.select([fd], [], [])
    os.close(fd)


def main(argv: list[str]) -> int:
    owner = argv[0]
    wait_for_end(int(owner))
    container.remove_labelled(container.PID_LABEL, lambda pid: pid == owner)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
