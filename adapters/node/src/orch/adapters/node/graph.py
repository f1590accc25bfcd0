"""The import graph of a JavaScript application: which file imports which, read from the sources
(``scanner``), and who reaches a changed file, through which chain of files."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from attrs import frozen

from orch.adapters.node.conventions import SOURCE_SUFFIXES
from orch.adapters.node.resolve import read_subpath_imports, resolve
from orch.adapters.node.scanner import specifiers

SKIPPED_DIRECTORIES = frozenset({"node_modules"})


@frozen
class Chain:
    """How ``file`` reaches ``changed``: the files in between, from ``file``'s side."""

    file: str
    changed: str
    via: tuple[str, ...]


@frozen
class ModuleGraph:
    """Every source file of an application and the files each one imports."""

    root: Path
    files: frozenset[str]
    imports: dict[str, tuple[str, ...]]
    problems: dict[str, str]

    @classmethod
    def build(cls, root: Path) -> ModuleGraph:
        """Read every source file under ``root`` (not node_modules or hidden directories)."""
        files = frozenset(_walk(root))
        subpaths = read_subpath_imports(root)
        imports: dict[str, tuple[str, ...]] = {}
        problems = {}
        for path in sorted(files):
            try:
                text = (root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                problems[path] = f"cannot be read ({error}); its imports are not known"
                continue
            scan = specifiers(text)
            if scan.problem:
                problems[path] = f"{scan.problem}; its imports were read as far as they go"
            targets = (t for s in scan.specifiers for t in resolve(path, s, files, subpaths))
            imports[path] = tuple(dict.fromkeys(t for t in targets if t != path))
        return cls(root, files, imports, problems)

    def importers_of(self, changed: Iterable[str]) -> dict[str, Chain]:
        """Every file that imports a changed file, directly or transitively, with the nearest
        changed file and the shortest chain to it (the changed files themselves left out)."""
        reverse: dict[str, list[str]] = {}
        for path, targets in sorted(self.imports.items()):
            for target in targets:
                reverse.setdefault(target, []).append(path)
        sources = sorted(set(changed))
        origin = {path: path for path in sources}
        parent: dict[str, str] = {}
        queue = deque(sources)
        while queue:
            node = queue.popleft()
            for dependent in reverse.get(node, ()):
                if dependent not in origin:
                    origin[dependent] = origin[node]
                    parent[dependent] = node
                    queue.append(dependent)
        chains = {}
        for path, step in parent.items():
            via = []
            while step != origin[path]:
                via.append(step)
                step = parent[step]
            chains[path] = Chain(path, origin[path], tuple(via))
        return chains


def _walk(root: Path) -> list[str]:
    found = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(
            d for d in subdirectories if not d.startswith(".") and d not in SKIPPED_DIRECTORIES
        )
        relative = Path(directory).relative_to(root).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        found += [prefix + name for name in names if name.endswith(SOURCE_SUFFIXES)]
    return found
