"""Who owns an environment's resources, and what becomes of them when the owner is gone.

An owner is one environment of one run, with a folder ``<state>/environments/<owner id>/``
whose ``lock`` the orchestrator holds while it lives. Beside it runs a reaper
(``orch.core.reaper``, a process of its own in a session of its own) that blocks on that lock:
the kernel hands it the lock when the orchestrator ends, however it ends (SIGKILL included), and
the reaper removes what carries the owner's labels, unless ``kept`` is there (``--keep-env``,
``orch env up``) or the owner is a warm environment of a pool (``pool_files.warm``: given back
by a run, its idle time not over). ``prune`` does the same for every owner whose lock is free,
on every start: what a reaper could not remove (the machine rebooted, the reaper was killed, a
warm environment's idle time passed) goes then.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from orch.core.environment.pool_files import warm
from orch.core.shared.locks import FileLock
from orch.ports import Endpoint, EnvironmentSpec, Owner, Provisioner

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def owners_dir(state_dir: Path) -> Path:
    return state_dir / "environments"


class Claim:
    """An owner whose lock this process holds for run ``run`` (the owner's own, or a later
    one's that took it warm from a pool), with its reaper watching."""

    def __init__(self, owner: Owner, lock: FileLock, run: str = "") -> None:
        self.owner = owner
        self.lock = lock
        self.run = run or owner.run

    def keep(self, endpoints: Mapping[str, Endpoint]) -> None:
        """Leave the environment up after this process ends (``orch env down`` removes it);
        the file says where each service is (readable by this user only: urls hold passwords)."""
        kept = {
            name: {
                "host": ep.host,
                "ports": {str(c): h for c, h in ep.ports.items()},
                "url": ep.url,
            }
            for name, ep in endpoints.items()
        }
        self.owner.kept.touch(mode=0o600)
        self.owner.kept.write_text(json.dumps(kept, indent=2, sort_keys=True))

    def release(self) -> None:
        """Give the lock up (the reaper then removes what is left, unless kept)."""
        self.lock.release()


def claim(
    state_dir: Path,
    run_id: str,
    spec: EnvironmentSpec,
    provisioners: Sequence[str] | None,
    instance: str = "",
) -> Claim:
    """Take ownership of a new instance of ``spec`` for run ``run_id`` and start its reaper,
    which removes it through ``provisioners`` (their names) once this process is gone; None
    starts none (what the provisioners start ends with this process: the fakes). ``instance``
    tells a second instance in one run apart (a replacement: the first one's reaper, woken
    when it is released, must not find the second's resources under its owner id)."""
    owner_id = _UNSAFE.sub("-", f"{run_id}-{spec.name}{instance}")
    directory = owners_dir(state_dir) / owner_id
    owner = Owner(owner_id, run_id, spec.name, spec.spec_hash, directory)
    lock = FileLock(owner.lock)
    lock.acquire()
    (directory / "owner.json").write_text(json.dumps(owner.labels, indent=2, sort_keys=True))
    if provisioners is not None:
        watch(owner, provisioners)
    return Claim(owner, lock)


def watch(owner: Owner, provisioners: Sequence[str]) -> None:
    """Start a reaper for ``owner`` (whose lock this process holds), which removes it through
    ``provisioners`` (their names) once this process is gone."""
    subprocess.Popen(
        [sys.executable, "-m", "orch.core.reaper", str(owner.directory), owner.id, *provisioners],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def held(owner: Owner) -> bool:
    """Whether a live process holds ``owner``'s lock (a run using it, or its reaper at work)."""
    if not owner.lock.exists():
        return False
    probe = FileLock(owner.lock)
    if not probe.acquire(wait=False):
        return True
    probe.release()
    return False


def gone(owner: Owner) -> bool:
    """True when nobody holds ``owner``'s lock and it is neither kept nor warm in a pool: its
    resources are leftovers."""
    return not owner.kept.exists() and not held(owner) and not warm(owner.directory)


def remove(owner_id: str, directory: Path, provisioners: Sequence[Provisioner]) -> list[str]:
    """Remove everything of ``owner_id`` on every provisioner that can be reached, then its
    folder; one line per resource removed."""
    removed: list[str] = []
    for provisioner in provisioners:
        if provisioner.unavailable() is None:
            removed += provisioner.remove(owner_id)
    shutil.rmtree(directory, ignore_errors=True)
    return removed


def prune(provisioners: Sequence[Provisioner]) -> list[str]:
    """Remove the resources of every owner that is gone; one line per resource removed."""
    removed: list[str] = []
    for provisioner in provisioners:
        if provisioner.unavailable() is not None:
            continue
        for owner in provisioner.owners():
            if gone(owner):
                removed += provisioner.remove(owner.id)
                shutil.rmtree(owner.directory, ignore_errors=True)
    return removed
