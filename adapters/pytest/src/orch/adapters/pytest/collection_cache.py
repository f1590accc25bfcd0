"""What ``pytest --collect-only`` found in an application, kept until anything it read changes.

The key is every input of collection orch can see cheaply: the size and modification time of each
Python, ini, toml and cfg file under the application (hidden and virtualenv folders skipped), of
pytest's configuration files and conftest.py in the folders above it, of the event plugin, and of
the interpreter's site-packages folder (installing a plugin changes it); plus the interpreter,
pytest arguments, test paths and environment. A missing, foreign or corrupt cache is not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from orch.adapters.pytest.interpreter import INJECT_DIR
from orch.ports import Application

VERSION = 1
"""Bumped when what is cached changes shape."""

WATCHED_SUFFIXES = (".py", ".ini", ".toml", ".cfg")
"""Files under an application whose change can change what pytest collects."""

ABOVE_APP = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", "conftest.py")
"""Files in the folders above an application that pytest reads while collecting it."""

SKIP_DIRS = frozenset({"node_modules", "venv", "env", "build", "dist", "__pycache__"})
"""Folders never searched for tests or inputs of collection (besides hidden ones)."""


def fingerprint(
    app: Application, python: str, args: tuple[str, ...], targets: tuple[str, ...]
) -> str:
    """A digest that changes whenever an input of collecting ``app`` changes."""
    digest = hashlib.sha256()
    settings = [VERSION, python, list(args), list(targets), sorted(app.env.items())]
    digest.update(json.dumps([*settings, str(app.path.absolute())]).encode())
    for path in _inputs(app.path.absolute(), python):
        try:
            stat = path.stat()
        except OSError:
            continue
        # as bytes: a name that is not valid UTF-8 (``test_\udcff.py``) is a name all the same
        digest.update(os.fsencode(path) + f"\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def load(path: Path, key: str) -> list[dict] | None:
    """The cached collection records when ``path`` holds them under ``key``; else None."""
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(cached, dict) or cached.get("key") != key:
        return None
    records = cached.get("records")
    return records if isinstance(records, list) else None


def save(path: Path, key: str, records: list[dict]) -> None:
    """Write the records atomically; a cache that cannot be written only costs speed."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps({"key": key, "records": records}), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def cache_file(directory: Path, app: Application) -> Path:
    """Where ``app``'s collection is kept: named after it and its folder."""
    where = hashlib.sha256(str(app.path.absolute()).encode()).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in app.name)
    return directory / "pytest-collection" / f"{safe}-{where}.json"


def _inputs(root: Path, python: str) -> Iterator[Path]:
    for walked, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(files):
            if name.endswith(WATCHED_SUFFIXES):
                yield Path(walked, name)
    for above in root.parents:
        for name in ABOVE_APP:
            yield above / name
    yield from sorted(INJECT_DIR.glob("*.py"))
    environment = Path(python).parent.parent
    yield from sorted(environment.glob("lib/python*/site-packages"))
    yield from sorted(environment.glob("Lib/site-packages"))
