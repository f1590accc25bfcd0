"""Which files of the application a specifier names, as node resolves relative specifiers and
``#`` subpath imports (the ``imports`` of ``package.json``); packages are not the app's files.

A relative specifier naming no file (the file was deleted by the change) keeps the paths it
would have named, so a deleted file still reaches the files that imported it.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path

from orch.adapters.node.conventions import SOURCE_SUFFIXES

EXTENSIONS = (*SOURCE_SUFFIXES, ".json", ".node")


def read_subpath_imports(root: Path) -> dict[str, str]:
    """The string targets of ``package.json``'s ``imports`` (conditions: ``node``, ``import``,
    ``require``, ``default``, first found); an unreadable file has none."""
    try:
        document = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    table = document.get("imports") if isinstance(document, dict) else None
    found = {}
    for key, target in (table or {}).items() if isinstance(table, dict) else ():
        if isinstance(target, dict):
            conditions = ("node", "import", "require", "default")
            target = next((target[c] for c in conditions if isinstance(target.get(c), str)), None)
        if isinstance(target, str) and target.startswith("./"):
            found[key] = target
    return found


def resolve(
    importer: str, specifier: str, files: frozenset[str], subpaths: dict[str, str]
) -> tuple[str, ...]:
    """The app-relative files ``specifier`` in ``importer`` names (existing ones when any)."""
    if specifier.startswith("#"):
        target = _subpath(specifier, subpaths)
        return _candidates(target[2:], files) if target else ()
    if not specifier.startswith(("./", "../")) and specifier not in (".", ".."):
        return ()  # a package, a node: builtin or a URL
    directory = posixpath.dirname(importer)
    return _candidates(posixpath.normpath(posixpath.join(directory, specifier)), files)


def _subpath(specifier: str, subpaths: dict[str, str]) -> str | None:
    if specifier in subpaths:
        return subpaths[specifier]
    for key, target in subpaths.items():
        head, star, tail = key.partition("*")
        if star and specifier.startswith(head) and specifier.endswith(tail):
            return target.replace("*", specifier[len(head) : len(specifier) - len(tail)])
    return None


def _candidates(stem: str, files: frozenset[str]) -> tuple[str, ...]:
    """``stem`` itself, with each extension, or as a directory's index file."""
    options = [stem, *(stem + e for e in EXTENSIONS), *(f"{stem}/index{e}" for e in EXTENSIONS)]
    existing = tuple(path for path in options if path in files)
    return existing[:1] if existing else tuple(options)
