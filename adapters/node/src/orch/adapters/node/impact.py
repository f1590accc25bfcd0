"""orch's ``ChangeImpact`` for JavaScript applications (a ``package.json`` at their root): the
ES module and CommonJS import graph and node's test-file conventions.

A test is named by its file (``test/money.test.js``), which is what ``node --test FILE`` runs;
node's test runner has no markers, so no test carries an always-run or critical marker, and no
per-test coverage is recorded for JavaScript, so the import graph answers for every file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from orch.adapters.node.conventions import SOURCE_SUFFIXES, is_test_file
from orch.adapters.node.graph import ModuleGraph
from orch.ports import Application, ChangedFile, FunctionSpan, Reach, ReachKind, TestCase

BUILD_FILES = (
    "package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json",
)  # fmt: skip
"""npm's manifest and the lock files of npm, yarn and pnpm."""


class NodeImpact:
    """Change impact of the applications with a ``package.json`` that pytest does not run."""

    PLUGIN_NAME: ClassVar[str] = "node"
    build_files: ClassVar[tuple[str, ...]] = BUILD_FILES

    def analyse(self, app: Application, cache_dir: Path) -> NodeAppImpact | None:
        """The analysis of ``app`` when it is a node project; None otherwise."""
        if app.runner == "pytest" or not (app.path / "package.json").is_file():
            return None
        return NodeAppImpact(app.path)


class NodeAppImpact:
    """One JavaScript application's import graph, read once per selection."""

    language = "JavaScript"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._graph: ModuleGraph | None = None

    @property
    def graph(self) -> ModuleGraph:
        """The import graph, read on first use."""
        if self._graph is None:
            self._graph = ModuleGraph.build(self.root)
        return self._graph

    def reads(self, path: str) -> bool:
        return path.endswith(SOURCE_SUFFIXES)

    def outside_roots(self) -> tuple[Path, ...]:
        return ()  # npm workspaces and linked packages are not followed

    def test_files(self) -> list[str]:
        return sorted(path for path in self.graph.files if is_test_file(path))

    def is_test(self, path: str) -> bool:
        return is_test_file(path)

    def tests_in(self, files: Sequence[str]) -> dict[str, list[str]]:
        return {path: [path] if is_test_file(path) else [] for path in files}

    def file_of(self, nodeid: str) -> str:
        return nodeid

    def notes(self, changed: Sequence[str]) -> list[str]:
        problems = self.graph.problems
        return [f"{path}: {problems[path]}" for path in sorted(changed) if path in problems]

    def changed_tests(self, change: ChangedFile) -> list[Reach]:
        path = change.path
        if change.status in ("added", "untracked"):
            return [Reach(path, path, ReachKind.NEW, path, text="new test (its file is new)")]
        lines = ", ".join(f"{first}-{last}" for first, last in change.hunks)
        text = f"its file changed (lines {lines})" if lines else "its file changed"
        return [Reach(path, path, ReachKind.TEST_CHANGED, path, text=text)]

    def narrowed(
        self,
        change: ChangedFile,
        before: Callable[[], str | None],
        collect: Callable[[], list[TestCase] | None],
    ) -> list[Reach] | None:
        return None  # node has no set-up file whose effect its collection could narrow

    def coverage_blind(self, path: str) -> str:
        return f"{path}: no per-test coverage is recorded for JavaScript: used the import graph"

    def functions(self, source: str) -> tuple[FunctionSpan, ...] | None:
        raise NotImplementedError(
            "JavaScript functions are not read: no per-test coverage is recorded for JavaScript"
        )

    def importers(self, changed: Sequence[str]) -> list[Reach]:
        reached = []
        for test_file, chain in sorted(self.graph.importers_of(changed).items()):
            if not is_test_file(test_file):
                continue
            if chain.via:
                kind = ReachKind.TRANSITIVE
                text = f"imports {chain.changed} via {' -> '.join(chain.via)}"
            else:
                kind, text = ReachKind.DIRECT, f"imports {chain.changed}"
            reached.append(Reach(test_file, test_file, kind, chain.changed, chain.via, text))
        return reached

    def marked(self, test_file: str, marker: str) -> list[str]:
        return []  # node's test runner has no markers

    def close(self) -> None:
        """Nothing is cached between selections: the graph is read afresh each time."""
