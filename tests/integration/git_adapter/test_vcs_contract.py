"""VcsContract run against the git adapter and against the in-memory FakeVcs."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from orch.adapters.git import GitVcs
from orch.testing.contracts import VcsContract
from orch.testing.fakes import FakeRepo, FakeVcs


class TestGitVcs(VcsContract):
    @pytest.fixture
    def vcs(self) -> GitVcs:
        return GitVcs()


class TestFakeVcs(VcsContract):
    @pytest.fixture
    def vcs(self) -> FakeVcs:
        return FakeVcs()

    @pytest.fixture
    def make_repo(self, vcs: FakeVcs, tmp_path: Path) -> Callable[[], FakeRepo]:
        numbers = itertools.count()
        return lambda: vcs.init(tmp_path / f"repo{next(numbers)}")

    def test_default_base_of_a_branch_is_where_it_left_main(
        self, vcs: FakeVcs, make_repo: Callable[[], FakeRepo]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", "1\n")
        fork = repo.commit()
        repo.branch = "feature"
        repo.write("a.txt", "2\n")
        repo.commit()
        assert vcs.default_base(repo.root) == fork
        repo.refs["main"] = repo.refs["feature"]
        assert vcs.default_base(repo.root) == vcs.head(repo.root)
