"""The pool of warm environments: what a run whose environment has a ``pool`` leaves for the next.

A run done with such an environment, all its services still healthy, does not remove it: it
writes ``pool.json`` in the owner's folder (the spec hash, the workflow's directory, each
service's endpoint, when it was given back, how long it may stay unused; readable by this user
only: urls hold passwords) and releases the owner's lock. While ``released + idle`` is ahead,
the owner is *warm*: the reaper, ``gone`` and ``prune`` leave it alone; after, it is a leftover
like any other. A later run takes a warm owner of the same spec and directory by taking its lock
without waiting (parallel runs each get another one, or none), and writes its own run id with
``released`` null: should that run die, its reaper finds a lock that is free and an owner that
is not warm, and removes it. ``pool.lock`` (beside the owners) makes counting and joining one
step, so a pool never holds more than ``size`` warm environments of a spec.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from orch.core.environment.owners import remove
from orch.core.environment.pool_files import (
    POOL_FILE,
    endpoints_json,
    idle_since,
    owner_in,
    record,
    write,
)
from orch.core.shared.locks import FileLock
from orch.ports import Endpoint, EnvironmentSpec, Owner, Provisioner


class Pool:
    """The pool of the owners in the folder ``base``: its warm ones, joining it, taking one."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def warm(self, spec: EnvironmentSpec, root: Path) -> list[Owner]:
        """The warm owners of ``spec`` made from the workflow in ``root``, the most recently
        given back first (the warmest)."""
        now = time.time()
        found: list[tuple[float, Owner]] = []
        for path in self.base.glob(f"*/{POOL_FILE}"):
            data = record(path.parent)
            since = idle_since(data, now)
            owner = owner_in(path.parent)
            if since is None or owner is None or data is None:
                continue
            if data.get("spec_hash") == spec.spec_hash and data.get("root") == str(root):
                found.append((since, owner))
        return [owner for _, owner in sorted(found, key=lambda pair: -pair[0])]

    def enlist(self, owner: Owner, spec: EnvironmentSpec, root: Path, run: str) -> None:
        """Say that the new ``owner`` of ``spec`` belongs to its pool, in use by ``run``."""
        write(owner.directory, _data(spec, root, run, None, {}))

    def give_back(
        self,
        owner: Owner,
        spec: EnvironmentSpec,
        root: Path,
        run: str,
        endpoints: Mapping[str, Endpoint],
    ) -> bool:
        """Make ``owner`` (whose lock this process holds) warm, unless the pool already holds
        ``size`` warm ones of its spec; whether it did."""
        assert spec.pool is not None
        lock = FileLock(self.base / "pool.lock")
        lock.acquire()
        try:
            others = [found for found in self.warm(spec, root) if found.id != owner.id]
            if len(others) >= spec.pool.size:
                return False
            write(owner.directory, _data(spec, root, run, time.time(), endpoints))
            return True
        finally:
            lock.release()

    def take(self, owner: Owner, run: str) -> FileLock | None:
        """``owner``'s lock, taken without waiting, once it is marked in use by ``run``; None
        when another process holds it or it is no longer warm."""
        lock = FileLock(owner.lock)
        if not lock.acquire(wait=False):
            return None
        data = record(owner.directory)
        if data is None or idle_since(data, time.time()) is None:
            lock.release()
            return None
        write(owner.directory, {**data, "run": run, "released": None})
        return lock

    def evict(self, owner: Owner, provisioners: Sequence[Provisioner]) -> list[str] | None:
        """Remove the warm ``owner`` (a line per resource); None when a run holds it now."""
        lock = FileLock(owner.lock)
        if not lock.acquire(wait=False):
            return None
        try:
            return remove(owner.id, owner.directory, provisioners)
        finally:
            lock.release()


def _data(
    spec: EnvironmentSpec,
    root: Path,
    run: str,
    released: float | None,
    endpoints: Mapping[str, Endpoint],
) -> dict[str, Any]:
    """What ``pool.json`` says of an owner of ``spec`` (which has a pool)."""
    assert spec.pool is not None
    return {
        "spec_hash": spec.spec_hash,
        "root": str(root),
        "size": spec.pool.size,
        "idle": spec.pool.idle,
        "run": run,
        "released": released,
        "endpoints": endpoints_json(endpoints),
    }
