"""The reaper: a process beside each environment that removes it once its orchestrator is gone.

``python -m orch.core.reaper OWNER_DIR OWNER_ID PROVISIONER...`` blocks on the owner's lock,
which the orchestrator holds for as long as it lives; the kernel hands the lock over when it
ends, however it ends (a SIGKILL too), as Testcontainers' Ryuk acts when its connection drops.
Then, unless the environment is to be kept or was given back warm to a pool (a later run takes
it, with a reaper of its own), everything carrying the owner's labels is removed
through the named provisioners (built from the installed plugins, as the orchestrator built
them). It lives in a session of its own, so a signal to orch's process group does not reach it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from orch.core.environment.owners import remove
from orch.core.environment.pool_files import warm
from orch.core.plugins import load_registry
from orch.core.shared.locks import FileLock


def reap(directory: Path, owner_id: str, names: list[str]) -> list[str]:
    """Wait for the owner's orchestrator to end, then remove its environment (unless kept)."""
    lock = FileLock(directory / "lock")
    lock.acquire()
    try:
        if (directory / "kept").exists() or warm(directory):
            return []
        registry = load_registry()
        provisioners = [registry.provisioners.build(name, directory) for name in names]
        return remove(owner_id, directory, provisioners)
    finally:
        lock.release()


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(
            "usage: python -m orch.core.reaper OWNER_DIR OWNER_ID PROVISIONER...", file=sys.stderr
        )
        return 2
    reap(Path(argv[0]), argv[1], argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
