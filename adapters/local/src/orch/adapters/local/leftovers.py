"""What the process provisioner left on this machine, found and removed by any orch.

An owner's processes are those tagged ``env/<owner id>/`` and their descendants (a PostgreSQL
backend overwrites its environment, so its tag is gone, but its parent is tagged); its
directories are those whose ``owner.json`` names it. Removing asks first (SIGTERM: PostgreSQL
then shuts down cleanly and frees its shared memory) and kills what is left after ``GRACE``.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable

from orch.adapters.local import processes, service_dirs
from orch.adapters.local.service_process import OWNER_VAR, TAG_PREFIX, tag_of
from orch.ports import Owner, owner_from_labels

GRACE = 1.5
"""Seconds the processes of a removed owner get to end after SIGTERM before SIGKILL."""


def owners() -> list[Owner]:
    """Every owner with a live tagged process or a service directory here, once each."""
    found = [owner for _, owner in service_dirs.owned()]
    for pid in processes.tagged_tree(lambda tag: tag.startswith(TAG_PREFIX)):
        owner = _owner_of(processes.variable_of(pid, OWNER_VAR))
        if owner is not None:
            found.append(owner)
    return list(dict.fromkeys(found))


def _owner_of(labels: str | None) -> Owner | None:
    try:
        data = json.loads(labels or "")
    except ValueError:
        return None
    return owner_from_labels(data) if isinstance(data, dict) else None


def remove(owner_id: str) -> list[str]:
    """End every process of ``owner_id`` and delete its directories; a line for each."""
    prefix = tag_of(owner_id)
    removed = end_processes(lambda tag: tag.startswith(prefix))
    for directory, owner in service_dirs.owned():
        if owner.id == owner_id:
            service_dirs.remove(directory)
            removed.append(f"directory {directory}")
    return removed


def end_processes(matches: Callable[[str], bool]) -> list[str]:
    """SIGTERM the processes whose tag ``matches`` and their descendants, SIGKILL those left
    after ``GRACE``; a line for each."""
    targets = processes.tagged_tree(matches)
    _signal(targets, signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    while any(processes.alive(pid) for pid in targets) and time.monotonic() < deadline:
        time.sleep(0.02)
    later = processes.tagged_tree(matches, targets)
    _signal(later, signal.SIGKILL)
    return [f"process {pid} ({tag})" for pid, tag in {**later, **targets}.items()]


def _signal(pids: dict[int, str], number: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, number)
        except OSError:
            continue
