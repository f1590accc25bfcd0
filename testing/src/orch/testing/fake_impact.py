"""A fake ChangeImpact: a language whose files, imports, tests, markers and functions a test
declares in memory, so core's selection is tested without reading any source.

Files of the fake language end with ``.fk``; a test id is ``file::name``. A changed test file
reaches all its tests (new ones when the file is new); ``importers`` walks the declared
``imports`` backwards, shortest chain first, as the real analyses do.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from attrs import define, field

from orch.ports import Application, ChangedFile, FunctionSpan, Reach, ReachKind, TestCase


@define
class FakeAppImpact:
    """One application of the fake language.

    ``tests``: test file -> its test ids; ``imports``: file -> the files it imports;
    ``markers``: test id -> its markers; ``functions_of``: source text -> its functions (a text
    not listed does not parse); ``blind``: path -> why coverage cannot answer for it;
    ``fixtures``: set-up file -> the names its change narrows to, matched against the
    collected tests' ``fixtures`` (a test whose fixtures are unknown uses them all);
    ``problems``: path -> a note about it.
    """

    language: ClassVar[str] = "Fake"

    tests: dict[str, list[str]] = field(factory=dict)
    imports: dict[str, tuple[str, ...]] = field(factory=dict)
    markers: dict[str, tuple[str, ...]] = field(factory=dict)
    functions_of: dict[str, tuple[FunctionSpan, ...]] = field(factory=dict)
    blind: dict[str, str] = field(factory=dict)
    fixtures: dict[str, tuple[str, ...]] = field(factory=dict)
    problems: dict[str, str] = field(factory=dict)
    outside: tuple[Path, ...] = ()
    closed: int = 0

    def reads(self, path: str) -> bool:
        return path.endswith(".fk")

    def outside_roots(self) -> tuple[Path, ...]:
        return self.outside

    def test_files(self) -> list[str]:
        return sorted(self.tests)

    def is_test(self, path: str) -> bool:
        return path in self.tests

    def tests_in(self, files: Sequence[str]) -> dict[str, list[str]]:
        return {path: list(self.tests.get(path, [])) for path in files}

    def file_of(self, nodeid: str) -> str:
        return nodeid.split("::")[0]

    def notes(self, changed: Sequence[str]) -> list[str]:
        return [f"{path}: {self.problems[path]}" for path in changed if path in self.problems]

    def changed_tests(self, change: ChangedFile) -> list[Reach]:
        path = change.path
        new = change.status in ("added", "untracked")
        kind = ReachKind.NEW if new else ReachKind.TEST_CHANGED
        text = "new test (its file is new)" if new else f"{path} changed"
        return [Reach(nodeid, path, kind, path, text=text) for nodeid in self.tests[path]]

    def narrowed(
        self,
        change: ChangedFile,
        before: Callable[[], str | None],
        collect: Callable[[], list[TestCase] | None],
    ) -> list[Reach] | None:
        names = self.fixtures.get(change.path)
        if names is None or before() is None:
            return None
        collected = collect()
        if collected is None:
            return None
        reached = []
        for case in collected:
            used = set(names) if case.fixtures is None else set(names) & set(case.fixtures)
            text = f"uses {', '.join(sorted(used))} of {change.path}"
            if used:
                reached.append(
                    Reach(case.nodeid, case.file, ReachKind.DIRECT, change.path, text=text)
                )
        return reached

    def coverage_blind(self, path: str) -> str:
        return self.blind.get(path, "")

    def functions(self, source: str) -> tuple[FunctionSpan, ...] | None:
        return self.functions_of.get(source)

    def importers(self, changed: Sequence[str]) -> list[Reach]:
        reverse: dict[str, list[str]] = {}
        for path, targets in sorted(self.imports.items()):
            for target in targets:
                reverse.setdefault(target, []).append(path)
        chains: dict[str, tuple[str, tuple[str, ...]]] = {p: (p, ()) for p in sorted(changed)}
        queue = deque(sorted(changed))
        while queue:
            node = queue.popleft()
            origin, via = chains[node]
            for dependent in reverse.get(node, ()):
                if dependent not in chains:
                    step = (node, *via) if node != origin else via
                    chains[dependent] = (origin, step)
                    queue.append(dependent)
        reached = []
        for path, (origin, via) in sorted(chains.items()):
            if path == origin or path not in self.tests:
                continue
            kind = ReachKind.TRANSITIVE if via else ReachKind.DIRECT
            text = f"imports {origin}" + (f" via {' -> '.join(via)}" if via else "")
            reached += [Reach(n, path, kind, origin, via, text) for n in self.tests[path]]
        return reached

    def marked(self, test_file: str, marker: str) -> list[str]:
        return [n for n in self.tests.get(test_file, []) if marker in self.markers.get(n, ())]

    def close(self) -> None:
        self.closed += 1


@define
class FakeImpact:
    """A ChangeImpact answering for the applications named in ``apps``."""

    PLUGIN_NAME: ClassVar[str] = "fake"
    build_files: ClassVar[tuple[str, ...]] = ("fake.lock",)

    apps: dict[str, FakeAppImpact] = field(factory=dict)

    def analyse(self, app: Application, cache_dir: Path) -> FakeAppImpact | None:
        return self.apps.get(app.name)
