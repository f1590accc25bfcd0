"""Fakes of orch's ports for unit tests of core: in-memory, deterministic, ports-only.

The store's fakes live in ``orch.testing.fake_store`` and are importable from here too.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from attrs import define, evolve, field

from orch.ports import (
    ChangedFile,
    ConfigError,
    EnvironmentProblem,
    IssueDraft,
    NotARepository,
    Outcome,
    ResultFileError,
    TestResult,
    TrackedIssue,
    UnknownRevision,
)
from orch.testing.fake_store import FakeCoverageStore, FakeFailureStore, FakeRunStore, FakeStore

__all__ = [
    "FakeCoverageStore",
    "FakeFailureStore",
    "FakeParser",
    "FakeRepo",
    "FakeRunStore",
    "FakeStore",
    "FakeTracker",
    "FakeVcs",
]


@define
class FakeRepo:
    """An in-memory repository of FakeVcs, changed the way a test changes a git repository.

    ``write``/``remove`` touch the working tree, ``add`` stages a path, ``move`` is ``git mv`` and
    ``commit`` stages everything and commits on ``branch`` (set it to work on another branch).
    ``refs`` maps names (``HEAD``, branches) to shas, ``parents`` each commit to the one before.
    """

    root: Path
    worktree: dict[str, str] = field(factory=dict)
    index: dict[str, str] = field(factory=dict)
    commits: dict[str, dict[str, str]] = field(factory=dict)
    refs: dict[str, str] = field(factory=dict)
    parents: dict[str, str] = field(factory=dict)
    branch: str = "main"

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
        """Stage everything and commit it on ``branch``; move HEAD there and return the new sha."""
        self.index = dict(self.worktree)
        state = f"{len(self.commits)}\0{message}\0{sorted(self.index.items())}"
        sha = hashlib.sha1(state.encode()).hexdigest()
        self.commits[sha] = dict(self.index)
        if "HEAD" in self.refs:
            self.parents[sha] = self.refs["HEAD"]
        self.refs["HEAD"] = self.refs[self.branch] = sha
        return sha


@define
class FakeVcs:
    """In-memory Vcs answering like GitVcs (statuses, hunks, order, errors); ``init`` makes a
    repository.

    Hunks come from difflib, which agrees with git wherever the change is unambiguous. A file is
    taken as renamed when at least half of it matches a deleted one (git counts bytes, not lines).
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
            raise NotARepository(
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
        untracked = [
            ChangedFile(p, "untracked", hunks=_fake_whole(text))
            for p, text in repo.worktree.items()
            if p not in repo.index
        ]
        return sorted(_fake_tree_changes(old, tracked) + untracked, key=_fake_order)

    def default_base(self, root: Path) -> str:
        """The newest commit HEAD shares with the default branch (origin/HEAD, else main, else
        master), as git's merge-base finds it in a history without merges."""
        repo = self.repos[self.root(root)]
        if "HEAD" not in repo.refs:
            raise ConfigError(f"{root}: no commits yet, so there is no base to compare with")
        ours = _fake_history(repo, repo.refs["HEAD"])
        for branch in (b for b in _FAKE_DEFAULT_BRANCHES if b in repo.refs):
            theirs = set(_fake_history(repo, repo.refs[branch]))
            shared = [sha for sha in ours if sha in theirs]
            if shared:
                return shared[0]
        raise ConfigError(
            f"{root}: no default branch sharing history with HEAD (looked for origin/HEAD, main "
            "and master); fetch it or name the base revision explicitly"
        )

    def show(self, root: Path, ref: str, path: str) -> str | None:
        """The text of ``path`` at ``ref``, or None if it has no such file."""
        repo = self.repos[self.root(root)]
        return repo.commits[_fake_commit(repo, root, ref)].get(path)


_FakeRanges = tuple[tuple[int, int], ...]
_FAKE_DEFAULT_BRANCHES = ("origin/HEAD", "main", "master", "origin/main", "origin/master")


def _fake_commit(repo: FakeRepo, root: Path, ref: str) -> str:
    sha = repo.refs.get(ref, ref)
    if sha not in repo.commits:
        raise UnknownRevision(f"unknown revision '{ref}' in {root}")
    return sha


def _fake_history(repo: FakeRepo, sha: str) -> list[str]:
    """``sha`` and its ancestors, newest first."""
    history = [sha]
    while history[-1] in repo.parents:
        history.append(repo.parents[history[-1]])
    return history


def _fake_tree_changes(old: dict[str, str], new: dict[str, str]) -> list[ChangedFile]:
    deleted = sorted(old.keys() - new.keys())
    changes = [
        ChangedFile(p, "modified", None, *_fake_hunks(old[p], new[p]))
        for p in old.keys() & new.keys()
        if old[p] != new[p]
    ]
    for path in sorted(new.keys() - old.keys()):
        source = _fake_rename_source(new[path], {d: old[d] for d in deleted})
        if source is None:
            changes.append(ChangedFile(path, "added", hunks=_fake_whole(new[path])))
        else:
            deleted.remove(source)
            hunks = _fake_hunks(old[source], new[path])
            changes.append(ChangedFile(path, "renamed", source, *hunks))
    changes += [ChangedFile(p, "deleted", old_hunks=_fake_whole(old[p])) for p in deleted]
    return sorted(changes, key=_fake_order)


def _fake_rename_source(text: str, deleted: dict[str, str]) -> str | None:
    """The deleted file most like ``text`` if at least half of their lines match (an empty file
    is never taken for a rename, though git pairs an empty file with a deleted empty one)."""
    if not text:
        return None
    similarity = {
        path: difflib.SequenceMatcher(None, _fake_lines(old), _fake_lines(text), False).ratio()
        for path, old in deleted.items()
        if old
    }
    best = max(similarity, key=lambda p: similarity[p], default=None)
    return best if best is not None and similarity[best] >= 0.5 else None


def _fake_hunks(old: str, new: str) -> tuple[_FakeRanges, _FakeRanges]:
    """(hunks, old_hunks) between two texts, as ``git diff -U0`` gives them."""
    if _fake_binary(old) or _fake_binary(new):
        return (), ()
    matcher = difflib.SequenceMatcher(None, _fake_lines(old), _fake_lines(new), False)
    changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    hunks = tuple(_fake_span(j1, j2) for _, _, _, j1, j2 in changed)
    old_hunks = tuple(_fake_span(i1, i2) for _, i1, i2, _, _ in changed)
    return hunks, old_hunks


def _fake_span(start: int, end: int) -> tuple[int, int]:
    """Lines ``[start, end)`` (0-based) as a 1-based range; an empty one points at the line
    before it, or at line 1."""
    if start == end:
        return (max(start, 1), max(start, 1))
    return (start + 1, end)


def _fake_whole(text: str) -> _FakeRanges:
    """The hunks of a file that is new (or gone) as a whole."""
    lines = len(_fake_lines(text))
    return ((1, lines),) if lines and not _fake_binary(text) else ()


def _fake_lines(text: str) -> list[str]:
    """Lines as git sees them: split at newlines only, a last line without one is different."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _fake_binary(text: str) -> bool:
    return "\0" in text[:8000]


def _fake_order(change: ChangedFile) -> tuple[str, str]:
    return (change.path, change.status)


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


@define
class FakeTracker:
    """An in-memory IssueTracker; ``unreachable`` makes every call fail as a dead server would."""

    PLUGIN_NAME: ClassVar[str] = "fake"

    issues: dict[str, TrackedIssue] = field(factory=dict)
    drafts: dict[str, IssueDraft] = field(factory=dict)
    comments: dict[str, list[str]] = field(factory=dict)
    unreachable: bool = False

    def find(self, fingerprint: str) -> TrackedIssue | None:
        """The newest issue filed for ``fingerprint``."""
        self._reach()
        found = [i for i in self.issues.values() if i.fingerprint == fingerprint]
        return found[-1] if found else None

    def create(self, draft: IssueDraft) -> TrackedIssue:
        """File a new issue, keyed ``FAKE-<n>``."""
        self._reach()
        key = f"FAKE-{len(self.issues) + 1}"
        self.issues[key] = TrackedIssue(key, f"fake:{key}", draft.fingerprint, False, draft.labels)
        self.drafts[key] = draft
        return self.issues[key]

    def comment(self, issue: TrackedIssue, body: str) -> None:
        """Add a comment."""
        self._reach()
        self.comments.setdefault(issue.key, []).append(body)

    def reopen(self, issue: TrackedIssue, labels: Sequence[str] = ()) -> TrackedIssue:
        """Open a closed issue and add labels."""
        self._reach()
        merged = tuple(dict.fromkeys((*issue.labels, *labels)))
        self.issues[issue.key] = evolve(issue, closed=False, labels=merged)
        return self.issues[issue.key]

    def close_issue(self, key: str) -> None:
        """Close an issue, as a person would once it is fixed."""
        self.issues[key] = evolve(self.issues[key], closed=True)

    def _reach(self) -> None:
        if self.unreachable:
            raise EnvironmentProblem("cannot reach fake tracker: connection refused")
