"""Run a command and write what its process tree used: CPU seconds and peak memory, as JSON.

``python measure.py OUT -- ARGV...`` is the first process of a shard inside a sandbox or a
container: the process the executor waits for (bwrap, which exits without reaping its pid 1,
or the docker client) knows nothing of what ran inside. It runs as a script by its path, with
the standard library only, and exits as the command did. ``measured``/``read_usage`` are the
executor's side.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orch.ports import ResourceUse


def used(rusage: object) -> dict[str, float | int]:
    """CPU seconds (user + system) and peak resident bytes of a ``wait4`` rusage (Linux counts
    ``ru_maxrss`` in KiB)."""
    return {
        "cpu_seconds": rusage.ru_utime + rusage.ru_stime,  # type: ignore[attr-defined]
        "peak_memory": rusage.ru_maxrss * 1024,  # type: ignore[attr-defined]
    }


def main(argv: list[str]) -> int:
    out, separator, *command = argv
    if separator != "--" or not command:
        print("usage: measure.py OUT -- ARGV...", file=sys.stderr)
        return 2
    for forwarded in (signal.SIGTERM, signal.SIGINT):  # pid 1 of a container: pass them on
        signal.signal(forwarded, lambda number, _frame: os.kill(child, number))
    child = os.fork()
    if child == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, rusage = os.wait4(child, 0)
    Path(out).write_text(json.dumps(used(rusage)))
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as a shell says


USAGE_FILE = "usage.json"


def measured(scratch: Path, interpreter: str = sys.executable, script: str = __file__) -> list[str]:
    """The argv that runs a shard's command measured (``script`` where the shard sees this
    file), writing ``usage.json`` into its ``scratch``."""
    return [interpreter, script, str(scratch / USAGE_FILE), "--"]


def read_usage(path: Path) -> ResourceUse | None:
    """The usage written at ``path``; None when there is none (the shard was killed)."""
    from orch.ports import ResourceUse

    try:
        data = json.loads(path.read_text())
        return ResourceUse(float(data["cpu_seconds"]), int(data["peak_memory"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
