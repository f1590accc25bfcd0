"""orch's ``ChangeImpact`` for Python applications run by pytest: the import graph, pytest's
collection conventions and Python spans, behind the port core's selection asks."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from orch.adapters.pytest.analysis.fixture_changes import fixture_reach
from orch.adapters.pytest.analysis.imports import ImportGraph, outside_roots
from orch.adapters.pytest.analysis.markers import marked
from orch.adapters.pytest.analysis.pytests import defines_fixtures, is_conftest, is_test_file
from orch.adapters.pytest.analysis.spans import spans
from orch.adapters.pytest.analysis.test_changes import changed_tests
from orch.adapters.pytest.analysis.test_index import TestIndex
from orch.ports import Application, ChangedFile, FunctionSpan, Reach, ReachKind, TestCase

BUILD_FILES = (
    "pyproject.toml", "setup.py", "setup.cfg", "requirements*.txt", "requirements/*.txt",
    "constraints*.txt", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock",
    "tox.ini", "pytest.ini", "noxfile.py", "MANIFEST.in", ".python-version", "environment.yml",
)  # fmt: skip
"""Python's build, dependency and pytest configuration files."""


class PythonImpact:
    """Change impact of the applications the pytest runner runs."""

    PLUGIN_NAME: ClassVar[str] = "python"
    build_files: ClassVar[tuple[str, ...]] = BUILD_FILES

    def analyse(self, app: Application, cache_dir: Path) -> PythonAppImpact | None:
        """The analysis of ``app`` when pytest runs it; None otherwise."""
        return PythonAppImpact(app, cache_dir) if app.runner == "pytest" else None


class PythonAppImpact:
    """One Python application's import graph and tests, read once per selection."""

    language = "Python"

    def __init__(self, app: Application, cache_dir: Path) -> None:
        self.root = app.path
        self.cache_dir = cache_dir
        self.name = re.sub(r"[^A-Za-z0-9_.-]", "_", app.name)
        self._graph: ImportGraph | None = None
        self._index: TestIndex | None = None
        self._tests: dict[str, list[str]] = {}

    def reads(self, path: str) -> bool:
        return path.endswith(".py")

    def outside_roots(self) -> tuple[Path, ...]:
        return outside_roots(self.root)

    def test_files(self) -> list[str]:
        return sorted(f for f in self.graph.files if self.is_test(f))

    def is_test(self, path: str) -> bool:
        return not path.startswith("../") and is_test_file(path, self.graph.test_patterns)

    def tests_in(self, files: Sequence[str]) -> dict[str, list[str]]:
        missing = [f for f in files if f not in self._tests]
        if missing:
            if self._index is None:
                self._index = TestIndex(self.graph, self.cache_dir / f"tests-{self.name}.bin")
            self._tests.update(self._index.tests(missing))
        return {f: self._tests.get(f, []) for f in files}

    def file_of(self, nodeid: str) -> str:
        return nodeid.split("::")[0]

    def notes(self, changed: Sequence[str]) -> list[str]:
        problems = self.graph.check_syntax(changed) if changed else {}
        return [
            f"{path}: {reason}; its imports were read as text (safe side)"
            for path, reason in sorted(problems.items())
        ]

    def changed_tests(self, change: ChangedFile) -> list[Reach]:
        return changed_tests(self.root, change, self.tests_in([change.path])[change.path])

    def narrowed(
        self,
        change: ChangedFile,
        before: Callable[[], str | None],
        collect: Callable[[], list[TestCase] | None],
    ) -> list[Reach] | None:
        return fixture_reach(self.root, self.graph, change, before, collect)

    def coverage_blind(self, path: str) -> str:
        if is_conftest(path) or self._defines_fixtures(path):
            return (
                f"{path} defines fixtures, whose coverage belongs to whichever test "
                "ran them first: selected every test using it"
            )
        return ""

    def functions(self, source: str) -> tuple[FunctionSpan, ...] | None:
        found = spans(source)
        if found is None:
            return None
        return tuple(FunctionSpan(s.qualname, s.start, s.end) for s in found if not s.is_class)

    def importers(self, changed: Sequence[str]) -> list[Reach]:
        reached = []
        for test_file, impact in sorted(self.graph.importers_of(changed).items()):
            if not self.is_test(test_file):
                continue
            if impact.changed.endswith("conftest.py"):
                kind, text = ReachKind.DIRECT, f"uses {impact.changed}, which changed"
            elif impact.direct:
                kind, text = ReachKind.DIRECT, f"imports {impact.changed}"
            else:
                chain = " -> ".join(impact.via)
                kind, text = ReachKind.TRANSITIVE, f"imports {impact.changed} via {chain}"
            reached += [
                Reach(nodeid, test_file, kind, impact.changed, impact.via, text)
                for nodeid in self.tests_in([test_file])[test_file]
            ]
        return reached

    def marked(self, test_file: str, marker: str) -> list[str]:
        text = (self.root / test_file).read_text(encoding="utf-8", errors="replace")
        return marked(text, test_file, marker, self.tests_in([test_file])[test_file])

    def close(self) -> None:
        if self._index is not None:
            self._index.save()

    @property
    def graph(self) -> ImportGraph:
        """The import graph, built (or read from its cache) on first use."""
        if self._graph is None:
            self._graph = ImportGraph.build(self.root, self.cache_dir / f"imports-{self.name}.bin")
        return self._graph

    def _defines_fixtures(self, path: str) -> bool:
        try:
            text = (self.root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return defines_fixtures(text)
