"""The files of a warm environment of a pool: ``pool.json`` in its owner's folder.

It says the spec hash, the workflow's directory, each service's endpoint (its ``env`` too:
templates are resolved from it), who used it last, when it was given back (``released``; null
while a run uses it) and how long it may stay unused (``idle``). Written at once, readable by
this user only: urls hold passwords. ``warm`` is what the reaper, ``gone`` and ``prune`` ask.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orch.ports import Endpoint, Owner, owner_from_labels

POOL_FILE = "pool.json"


def record(directory: Path) -> dict[str, Any] | None:
    """What ``pool.json`` of the owner in ``directory`` says, None when it has none (or it
    cannot be read: then it is no pool's)."""
    try:
        found = json.loads((directory / POOL_FILE).read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def idle_since(found: dict[str, Any] | None, now: float) -> float | None:
    """When the owner of ``found`` was given back, if it is warm at ``now`` (unused, its idle
    time not over); None when it is in use, expired or no pool's."""
    if found is None or not isinstance(found.get("released"), int | float):
        return None
    released = float(found["released"])
    return released if now < released + float(found.get("idle", 0)) else None


def warm(directory: Path) -> bool:
    """Whether the owner in ``directory`` is warm now: kept for a next run, not a leftover."""
    return idle_since(record(directory), time.time()) is not None


def endpoints_json(endpoints: Mapping[str, Endpoint]) -> dict[str, dict[str, Any]]:
    """Each endpoint as JSON data (container ports as strings), its resolved ``env`` too."""
    return {
        name: {
            "host": found.host,
            "ports": {str(c): h for c, h in found.ports.items()},
            "url": found.url,
            "env": dict(found.env),
        }
        for name, found in endpoints.items()
    }


def endpoints_of(found: dict[str, Any]) -> dict[str, Endpoint]:
    """The endpoints a ``pool.json`` holds."""
    return {
        name: Endpoint(
            host=data["host"],
            ports={int(c): int(h) for c, h in data["ports"].items()},
            url=data.get("url", ""),
            env=dict(data.get("env", {})),
        )
        for name, data in found.get("endpoints", {}).items()
    }


def write(directory: Path, data: dict[str, Any]) -> None:
    """Replace ``pool.json`` at once (readers never see half of it), mode 0600."""
    path = directory / POOL_FILE
    partial = path.with_suffix(".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(data, out, indent=2, sort_keys=True)
    partial.replace(path)


def owner_in(directory: Path) -> Owner | None:
    """The owner whose folder is ``directory``, from its ``owner.json``; None when unreadable."""
    try:
        labels = json.loads((directory / "owner.json").read_text())
    except (OSError, ValueError):
        return None
    return owner_from_labels(labels) if isinstance(labels, dict) else None
