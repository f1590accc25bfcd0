"""Keeping orch's own credentials out of reach of the tests it runs.

A test process can read ``/proc/<orch pid>/environ``: the environment orch was started with,
which deleting a variable from ``os.environ`` does not change. So when ``orch`` starts with
credentials in its environment (``ORCH_GITHUB_TOKEN``, ``ORCH_JIRA_TOKEN``, any ``ORCH_*`` whose
name looks secret or whose value is a URL with a password: ``orch.ports.credentials``), it writes
them to an anonymous in-memory file, then re-executes itself (same pid, same arguments, same
standard streams) with an environment without them, naming only the file's descriptor. The new
image reads the values, closes the descriptor and holds them in memory for the tracker adapters.

This needs Linux (``memfd_create`` and ``/proc``); elsewhere nothing is moved. A process of the
same user that may ptrace orch can still read its memory: run tests as another user for a hard
boundary.
"""

from __future__ import annotations

import json
import os
import sys

from orch.ports.credentials import hold, orch_credentials

MEMFD_NAME = "orch-credentials"
"""The name of the memfd the credentials travel in: a descriptor of another name is not ours."""

HANDOVER_VARIABLE = "ORCH_CREDENTIALS_FD"
"""Names the descriptor holding the moved credentials, in the re-executed orch only."""


def keep_credentials_from_tests() -> None:
    """Move orch's credentials out of its environment (re-executing orch) or, in the
    re-executed orch, take them back from the descriptor it was given."""
    if HANDOVER_VARIABLE in os.environ and _receive(os.environ.pop(HANDOVER_VARIABLE)):
        return
    found = orch_credentials(os.environ)
    if not found or not hasattr(os, "memfd_create") or not sys.executable:
        return
    descriptor = os.memfd_create(MEMFD_NAME, 0)
    try:
        os.set_inheritable(descriptor, True)  # it must survive the exec: the new image reads it
        os.write(descriptor, json.dumps(found).encode())
        environment = {name: value for name, value in os.environ.items() if name not in found}
        environment[HANDOVER_VARIABLE] = str(descriptor)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, sys.orig_argv, environment)
    except OSError:
        os.close(descriptor)  # could not re-execute: carry on as before, with the variables


def _receive(descriptor: str) -> bool:
    """Take the credentials back from the memfd ``descriptor`` names; False when it names none
    of ours (set by hand, or leaked in): then that descriptor is left alone and the move runs."""
    try:
        fd = int(descriptor)
        if not os.readlink(f"/proc/self/fd/{fd}").startswith(f"/memfd:{MEMFD_NAME}"):
            return False
        chunks = []
        os.lseek(fd, 0, os.SEEK_SET)
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        os.close(fd)
        values = json.loads(b"".join(chunks))
    except (OSError, ValueError):
        return False
    if isinstance(values, dict):
        hold({str(name): str(value) for name, value in values.items()})
    return True
