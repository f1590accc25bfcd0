"""The pytest nodeids of each test file, cached so a warm selection does not re-read the suite.

An entry is trusted while the test file and the files it imports directly (where inherited test
classes come from) keep their size and mtime; the whole index is dropped when a file that holds
pytest configuration (naming conventions) changes.
"""

from __future__ import annotations

import os
from pathlib import Path

from orch.adapters.pytest.analysis.cachefile import read_cache, write_cache
from orch.adapters.pytest.analysis.imports import ImportGraph
from orch.adapters.pytest.analysis.pytests import find_tests

MAGIC = b"orch-test-index-1\n"
CONFIG_FILES = ("pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "pyproject.toml",
                "tox.ini", "setup.cfg")  # fmt: skip

Stamp = tuple[tuple[str, int, int], ...]


class TestIndex:
    """Nodeids per test file of one application, backed by a cache file."""

    __test__ = False

    def __init__(self, graph: ImportGraph, cache_file: Path) -> None:
        self.graph = graph
        self.cache_file = cache_file
        self.config = tuple(self._stamp_of(name) for name in CONFIG_FILES)
        cached = read_cache(cache_file, MAGIC)
        self.entries: dict[str, tuple[Stamp, list[str]]] = {}
        if (
            isinstance(cached, dict)
            and cached.get("root") == str(graph.root)
            and cached.get("config") == self.config
        ):
            self.entries = cached["entries"]
        self.changed = False

    def tests(self, files: list[str]) -> dict[str, list[str]]:
        """The nodeids of each of ``files``, from the cache where it is still valid."""
        found: dict[str, list[str]] = {}
        stale: list[str] = []
        stamps = {}
        for file in files:
            stamp = self._stamp(file)
            entry = self.entries.get(file)
            if entry is not None and entry[0] == stamp:
                found[file] = entry[1]
            else:
                stale.append(file)
                stamps[file] = stamp
        if stale:
            fresh = find_tests(self.graph.root, stale, imported=self.graph.imports_of)
            for file in stale:
                found[file] = fresh.get(file, [])
                self.entries[file] = (stamps[file], found[file])
            self.changed = True
        return found

    def save(self) -> None:
        """Write the cache if anything new was learned."""
        if self.changed:
            content = {"root": str(self.graph.root), "config": self.config, "entries": self.entries}
            write_cache(self.cache_file, MAGIC, content)
            self.changed = False

    def _stamp(self, file: str) -> Stamp:
        return tuple(self._stamp_of(path) for path in (file, *sorted(self.graph.imports_of(file))))

    def _stamp_of(self, path: str) -> tuple[str, int, int]:
        try:
            info = os.stat(self.graph.root / path)
        except OSError:
            return (path, -1, -1)
        return (path, info.st_size, info.st_mtime_ns)
