"""The temporary directory of each process service, where it runs, logs and keeps its data.

Its name (``orch-env-<owner id>-<service>-XXXX`` under the system's temporary directory) makes
leftovers easy to spot by eye; its ``owner.json`` (the owner's labels) is what says whose it is,
so that a later orch finds and removes what a killed one left, even with no process alive.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from orch.ports import Owner, owner_from_labels

PREFIX = "orch-env-"
OWNER_FILE = "owner.json"


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
