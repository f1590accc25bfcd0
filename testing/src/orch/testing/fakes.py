"""Fakes of orch's ports for unit tests of core: in-memory, deterministic, ports-only."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, ClassVar

from attrs import define, evolve, field

from orch.ports import (
    ChangedFile,
    ConfigError,
    Outcome,
    Progress,
    ResultFileError,
    RunningTest,
    RunRecord,
    TestResult,
)


@define
class FakeRepo:
    """An in-memory repository of FakeVcs, changed the way a test changes a git repository.

    ``write``/``remove`` touch the working tree, ``add`` stages a path, ``move`` is ``git mv`` and
    ``commit`` stages everything and commits. ``refs`` maps names (``HEAD``, branches) to shas.
    """

    root: Path
    worktree: dict[str, str] = field(factory=dict)
    index: dict[str, str] = field(factory=dict)
    commits: dict[str, dict[str, str]] = field(factory=dict)
    refs: dict[str, str] = field(factory=dict)

    def write(self, path: str, text: str) -> None:
        """Create or overwrite a file in the working tree (unstaged)."""
        self.worktree[path] = text

    def add(self, path: str) -> None:
        """Stage the working tree's version of ``path`` (its deletion if it is gone)."""
        if path in self.worktree:
            self.index[path] = self.worktree[path]
        else:
            self.index.pop(path, None)

    def remove(self, path: str) -> None:
        """Delete a file from the working tree (unstaged)."""
        del self.worktree[path]

    def move(self, old: str, new: str) -> None:
        """Rename a tracked file in the working tree and the index, like ``git mv``."""
        self.worktree[new] = self.worktree.pop(old)
        self.index[new] = self.index.pop(old)

    def commit(self, message: str = "change") -> str:
        """Stage everything and commit it; move HEAD there and return the new sha."""
        self.index = dict(self.worktree)
        state = f"{len(self.commits)}\0{message}\0{sorted(self.index.items())}"
        sha = hashlib.sha1(state.encode()).hexdigest()
        self.commits[sha] = dict(self.index)
        self.refs["HEAD"] = sha
        return sha


@define
class FakeVcs:
    """In-memory Vcs answering like GitVcs (statuses, order, errors); ``init`` makes a repository.

    Renames are recognised only when the content is identical (git also finds similar files).
    """

    PLUGIN_NAME: ClassVar[str] = "fake"
    repos: dict[Path, FakeRepo] = field(factory=dict)

    def init(self, root: Path) -> FakeRepo:
        """Create an empty repository at ``root`` and return it for the test to fill."""
        repo = self.repos[root] = FakeRepo(root)
        return repo

    def root(self, path: Path) -> Path:
        """The innermost repository root that is ``path`` or one of its parents."""
        roots = [r for r in self.repos if r == path or r in path.parents]
        if not roots:
            raise ConfigError(
                f"{path}: not a git repository "
                "(run `git init` there or pass a directory inside a git work tree)"
            )
        return max(roots, key=lambda r: len(r.parts))

    def head(self, root: Path) -> str:
        """The sha HEAD names, or "" before the first commit."""
        return self.repos[self.root(root)].refs.get("HEAD", "")

    def changed_files(self, root: Path, base: str, head: str | None = None) -> list[ChangedFile]:
        """Changes from ``base`` to ``head``, or to the working tree (plus untracked files)."""
        repo = self.repos[self.root(root)]
        old = repo.commits[_fake_commit(repo, root, base)]
        if head is not None:
            return _fake_tree_changes(old, repo.commits[_fake_commit(repo, root, head)])
        tracked = {p: text for p, text in repo.worktree.items() if p in repo.index}
        untracked = [ChangedFile(p, "untracked") for p in repo.worktree if p not in repo.index]
        return sorted(_fake_tree_changes(old, tracked) + untracked, key=_fake_order)


def _fake_commit(repo: FakeRepo, root: Path, ref: str) -> str:
    sha = repo.refs.get(ref, ref)
    if sha not in repo.commits:
        raise ConfigError(f"unknown revision '{ref}' in {root}")
    return sha


def _fake_tree_changes(old: dict[str, str], new: dict[str, str]) -> list[ChangedFile]:
    deleted = sorted(old.keys() - new.keys())
    changes = [ChangedFile(p, "modified") for p in old.keys() & new.keys() if old[p] != new[p]]
    for path in sorted(new.keys() - old.keys()):
        source = next((d for d in deleted if new[path] and old[d] == new[path]), None)
        if source is None:
            changes.append(ChangedFile(path, "added"))
        else:
            deleted.remove(source)
            changes.append(ChangedFile(path, "renamed", old_path=source))
    changes += [ChangedFile(p, "deleted") for p in deleted]
    return sorted(changes, key=_fake_order)


def _fake_order(change: ChangedFile) -> tuple[str, str]:
    return (change.path, change.status)


@define
class FakeStore:
    """In-memory Store with the semantics of the SQLite one (passes StoreContract)."""

    PLUGIN_NAME: ClassVar[str] = "fake"
    DURATION_WEIGHT: ClassVar[float] = 0.5

    runs: dict[str, RunRecord] = field(factory=dict)
    _planned: dict[str, int] = field(factory=dict)
    _attempts: dict[tuple[str, str, str, int], TestResult] = field(factory=dict)
    _finals: dict[tuple[str, str, str], TestResult] = field(factory=dict)
    _running: dict[tuple[str, str, str], RunningTest] = field(factory=dict)
    _durations: dict[tuple[str, str], float] = field(factory=dict)

    def create_run(self, record: RunRecord) -> None:
        """Record a new run; its id must not exist yet."""
        if record.id in self.runs:
            raise ValueError(f"run {record.id!r} already exists")
        self.runs[record.id] = record

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with this id, or None."""
        return self.runs.get(run_id)

    def latest_run(self) -> RunRecord | None:
        """The most recently started run, or None."""
        runs = self.list_runs(limit=1)
        return runs[0] if runs else None

    def list_runs(self, limit: int = 20) -> list[RunRecord]:
        """Up to ``limit`` runs, the most recently started first."""
        order = sorted(enumerate(self.runs.values()), key=lambda p: (p[1].started_at, p[0]))
        return [run for _, run in reversed(order)][:limit]

    def update_run(self, run_id: str, **changes: Any) -> None:
        """Change ``ended_at``, ``exit_code``, ``status`` or ``pid`` of a run."""
        unknown = set(changes) - {"ended_at", "exit_code", "status", "pid"}
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)} of a run")
        self.runs[run_id] = evolve(self.runs[run_id], **changes)

    def record(self, run_id: str, progress: Progress) -> None:
        """Apply one batch; a second final of a test and a repeated attempt are ignored."""
        if run_id not in self.runs:
            raise KeyError(run_id)
        for r in progress.attempts:
            self._attempts.setdefault((run_id, r.app, r.nodeid, r.attempt), r)
        for r in progress.finals:
            self._finals.setdefault((run_id, r.app, r.nodeid), r)
        for t in progress.started:
            self._running.pop((run_id, t.app, t.nodeid), None)
            self._running[(run_id, t.app, t.nodeid)] = t
        for app, nodeid in progress.finished:
            self._running.pop((run_id, app, nodeid), None)
        if progress.planned is not None:
            self._planned[run_id] = progress.planned
        w = self.DURATION_WEIGHT
        for key, seconds in progress.durations.items():
            old = self._durations.get(key)
            self._durations[key] = seconds if old is None else old * (1 - w) + seconds * w

    def final_results(self, run_id: str) -> list[TestResult]:
        """The final result of every finished test of a run, in the order recorded."""
        return [r for key, r in self._finals.items() if key[0] == run_id]

    def attempts(self, run_id: str) -> list[TestResult]:
        """Every attempt of a run, in the order recorded."""
        return [r for key, r in self._attempts.items() if key[0] == run_id]

    def running(self, run_id: str) -> list[RunningTest]:
        """Tests started and not finished, the longest-running first."""
        started = [t for key, t in self._running.items() if key[0] == run_id]
        return sorted(started, key=lambda t: t.started_at)

    def planned(self, run_id: str) -> int:
        """How many tests the run planned (0 when unknown)."""
        return self._planned.get(run_id, 0)

    def durations(self, app: str) -> dict[str, float]:
        """The moving average of each test's duration in ``app``."""
        return {nodeid: s for (a, nodeid), s in self._durations.items() if a == app}

    def close(self) -> None:
        """Nothing to release."""


@define
class FakeParser:
    """A ResultParser of a tiny line format, for tests of code that reads result files.

    A file is the ``HEADER`` line, one ``<nodeid> <outcome> [message]`` line per test (nodeids
    without spaces) and ``end <count>`` last, so a truncated file is told apart from a short one.
    ``render`` writes that format. Passes ResultParserContract.
    """

    PLUGIN_NAME: ClassVar[str] = "fake"
    HEADER: ClassVar[str] = "# orch-fake-results"

    def sniff(self, head: bytes) -> bool:
        """True when the file starts with ``HEADER``."""
        return head.startswith(self.HEADER.encode())

    def parse(self, path: Path, app: str) -> list[TestResult]:
        """The tests listed in ``path``; ResultFileError when it is unreadable or incomplete."""
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ResultFileError(path, f"cannot read it as text: {error}") from error
        if not lines or lines[0] != self.HEADER:
            raise ResultFileError(path, f"does not start with {self.HEADER!r}")
        if len(lines) < 2 or lines[-1] != f"end {len(lines) - 2}":
            raise ResultFileError(path, "no matching 'end <count>' line: the file is truncated")
        return [_fake_result(path, number, line, app) for number, line in enumerate(lines[1:-1], 2)]

    @classmethod
    def render(cls, results: list[tuple[str, ...]]) -> str:
        """The file text for ``(nodeid, outcome[, message])`` rows."""
        rows = [" ".join(row).rstrip() for row in results]
        return "\n".join([cls.HEADER, *rows, f"end {len(rows)}"]) + "\n"


def _fake_result(path: Path, number: int, line: str, app: str) -> TestResult:
    nodeid, _, rest = line.partition(" ")
    outcome, _, message = rest.partition(" ")
    try:
        return TestResult(app=app, nodeid=nodeid, outcome=Outcome(outcome), message=message)
    except ValueError as error:
        raise ResultFileError(path, f"line {number}: unknown outcome {outcome!r}") from error
