"""Whose test data is it: every database, file or folder a sink makes carries its owner, a
run's id (or ``data-<name>`` for ``orch data load``). A run's owner is alive while that run's
orchestrator holds its lock; anything else a sink finds of this project's is a leftover."""

from __future__ import annotations

from pathlib import Path

from orch.core.shared.locks import RunLock


def run_alive(state_dir: Path, owner: str) -> bool:
    """Whether ``owner`` is a run of ``state_dir`` whose orchestrator holds its lock now."""
    if owner.startswith("data-") or "/" in owner or owner in ("", ".", ".."):
        return False
    lock = RunLock(state_dir, owner)
    if not lock.path.parent.is_dir():
        return False
    if lock.acquire(wait=False):
        lock.release()
        return False
    return True
