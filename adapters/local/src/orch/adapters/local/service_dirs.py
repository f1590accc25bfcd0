"""The temporary directory of each process service, where it runs, logs and keeps its data.

Its name (``orch-env-<owner id>-<service>-XXXX`` under the system's temporary directory) makes
leftovers easy to spot by eye; its ``owner.json`` (the owner's labels) is what says whose it is,
so that a later orch finds and removes what a killed one left, even with no process alive.
Once the service runs, its ``service.json`` (its name, leader's pid, ports and environment;
readable by this user only: the environment may hold passwords) is what another orch
re-attaches to it by (a warm environment of a pool).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orch.ports import Owner, owner_from_labels

PREFIX = "orch-env-"
OWNER_FILE = "owner.json"
SERVICE_FILE = "service.json"


def create(owner: Owner, service: str) -> Path:
    """A new directory for ``service`` of ``owner``, its ``owner.json`` written."""
    directory = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{owner.id}-{service}-"))
    (directory / OWNER_FILE).write_text(json.dumps(owner.labels, sort_keys=True))
    return directory


def owned() -> list[tuple[Path, Owner]]:
    """Every service directory here with the owner its ``owner.json`` names (one without a
    readable ``owner.json`` is not taken for ours)."""
    found = []
    for directory in sorted(Path(tempfile.gettempdir()).glob(f"{PREFIX}*")):
        try:
            labels = json.loads((directory / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        owner = owner_from_labels(labels) if isinstance(labels, dict) else None
        if owner is not None:
            found.append((directory, owner))
    return found


def find(owner_id: str, service: str) -> Path | None:
    """The directory of ``service`` of ``owner_id``, None when there is none."""
    start = f"{PREFIX}{owner_id}-{service}-"
    for directory, owner in owned():
        suffix = directory.name.removeprefix(start)
        if owner.id == owner_id and suffix != directory.name and "-" not in suffix:
            return directory
    return None


def remove(directory: Path) -> None:
    """Delete ``directory`` and everything in it (whoever's user wrote there); gone is fine."""
    shutil.rmtree(directory, ignore_errors=True)


def describe(
    directory: Path, name: str, pid: int, ports: Mapping[int, int], env: Mapping[str, str]
) -> None:
    """Write ``service.json`` of the service running in ``directory``, mode 0600."""
    data = {"name": name, "pid": pid, "ports": {str(c): h for c, h in ports.items()}, "env": env}
    descriptor = os.open(directory / SERVICE_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(data, out, sort_keys=True)


def described(owner_id: str) -> list[tuple[Path, dict[str, Any]]]:
    """Each service directory of ``owner_id`` with what its ``service.json`` says (one that has
    none, or an unreadable one, is left out: it never ran)."""
    found = []
    for directory, owner in owned():
        if owner.id != owner_id:
            continue
        try:
            data = json.loads((directory / SERVICE_FILE).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found.append((directory, data))
    return found
