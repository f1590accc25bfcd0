"""Run a command and write what its process tree used: CPU seconds and peak memory, as JSON.

``python -I -S measure.py OUT -- ARGV...`` is the first process of a shard inside a sandbox or
a container: the process the executor waits for (bwrap, which exits without reaping its pid 1,
or the docker client) knows nothing of what ran inside. It runs as a script by its path,
importing nothing but ``os``, ``sys`` and ``signal`` (it starts in about 10 ms: every sandboxed
shard pays for it), and exits as the command did. ``measured``/``read_usage`` are the
executor's side.
"""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from orch.ports import ResourceUse

USAGE_FILE = "usage.json"


def main(argv: list[str]) -> int:
    out, separator, *command = argv
    if separator != "--" or not command:
        sys.stderr.write("usage: measure.py OUT -- ARGV...\n")
        return 2
    child = os.fork()
    if child == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    for forwarded in (signal.SIGTERM, signal.SIGINT):  # pid 1 of a container: pass them on
        signal.signal(forwarded, lambda number, _frame: os.kill(child, number))
    _, status, rusage = os.wait4(child, 0)
    cpu, peak = rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss * 1024  # maxrss: KiB
    written = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(written, b'{"cpu_seconds": %r, "peak_memory": %d}' % (cpu, peak))
    os.close(written)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as a shell says


def measured(scratch: Path, interpreter: str = sys.executable, script: str = __file__) -> list[str]:
    """The argv that runs a shard's command measured (``script`` where the shard sees this
    file), writing ``usage.json`` into its ``scratch``."""
    return [interpreter, "-I", "-S", script, str(scratch / USAGE_FILE), "--"]


def read_usage(path: Path) -> ResourceUse | None:
    """The usage written at ``path``; None when there is none (the shard was killed)."""
    import json

    from orch.ports import ResourceUse

    try:
        data = json.loads(path.read_text())
        return ResourceUse(float(data["cpu_seconds"]), int(data["peak_memory"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
