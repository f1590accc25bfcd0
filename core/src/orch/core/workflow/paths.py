"""The directories and files a workflow names, resolved under its own directory.

A path that cannot be used says why in one line: too long for the system, not there, or refused by
it (a NUL, a loop of links).
"""

from __future__ import annotations

import os
from pathlib import Path

from orch.core.shared.documents import describe
from orch.ports import ConfigError


def directory(root: Path, raw: str, parents: dict[str, str]) -> tuple[Path, str]:
    """``raw`` resolved under ``root``, and why it cannot be used (empty when it can).
    ``parents`` caches resolved parent directories: 20,000 applications under one ``apps/``
    resolve it once, not once each."""
    shown = describe(raw)
    if _too_long(raw):
        return root, f"path {shown} has a name longer than the system allows"
    try:
        resolved = _resolve(str(root), raw, parents)
        if not os.path.isdir(resolved):
            return Path(resolved), f"directory {shown} does not exist in {root}"
    except (OSError, ValueError) as exc:
        return root, f"cannot use path {shown}: {getattr(exc, 'strerror', None) or exc}"
    return Path(resolved), ""


def existing_file(root: Path, raw: str, where: str) -> Path:
    """The file ``raw`` names under ``root``; a ``ConfigError`` starting with ``where`` if none."""
    shown = describe(raw)
    if _too_long(raw):
        raise ConfigError(f"{where}: path {shown} has a name longer than the system allows")
    try:
        found = root / raw
        if found.is_file():
            return found
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{where}: cannot use path {shown}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    raise ConfigError(f"{where}: file {shown} does not exist in {root}")


def _too_long(raw: str) -> bool:
    return len(raw) > 4096 or any(len(os.fsencode(part)) > 255 for part in raw.split("/"))


def _resolve(root: str, raw: str, parents: dict[str, str]) -> str:
    """``os.path.realpath(root/raw)``, resolving each parent directory once."""
    parent, name = os.path.split(raw.rstrip("/"))
    if name in ("", ".", "..") or ".." in parent.split("/") or os.path.isabs(raw):
        return os.path.realpath(os.path.join(root, raw))
    if parent not in parents:
        parents[parent] = os.path.realpath(os.path.join(root, parent))
    candidate = os.path.join(parents[parent], name)
    return os.path.realpath(candidate) if os.path.islink(candidate) else candidate
