"""Real git repositories in tmp_path, isolated from the git configuration of the user and system."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path
from typing import Protocol

import pytest
from attrs import frozen


@frozen
class GitRepo:
    """A real git repository, changed the way VcsContract's RepoBuilder describes."""

    root: Path

    def git(self, *args: str) -> str:
        """Run git in the repository and return its output without surrounding whitespace."""
        done = subprocess.run(
            ["git", "-C", str(self.root), *args], check=True, capture_output=True, text=True
        )
        return done.stdout.strip()

    def write(self, path: str, text: str) -> None:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")

    def add(self, path: str) -> None:
        self.git("add", "--", path)

    def remove(self, path: str) -> None:
        (self.root / path).unlink()

    def move(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", "--", old, new)

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def clone(self, destination: Path) -> GitRepo:
        """``git clone`` this repository to ``destination`` (its origin/HEAD is set)."""
        subprocess.run(["git", "clone", "-q", str(self.root), str(destination)], check=True)
        return GitRepo(destination.resolve())


class MakeRepo(Protocol):
    """The ``make_repo`` fixture: ``git init`` a new repository and return it."""

    def __call__(self, branch: str = "main", at: Path | None = None) -> GitRepo: ...


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git configuration, a fixed identity, no repository from outside."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "orch tests")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tests@orch.invalid")
    for variable in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """A factory of new, empty git repositories: under tmp_path unless ``at`` says where."""
    numbers = itertools.count()

    def make(branch: str = "main", at: Path | None = None) -> GitRepo:
        root = at or tmp_path / f"repo{next(numbers)}"
        root.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "-b", branch, str(root)], check=True)
        return GitRepo(root.resolve())

    return make


@pytest.fixture
def repo(make_repo: MakeRepo) -> GitRepo:
    """One new, empty git repository."""
    return make_repo()
