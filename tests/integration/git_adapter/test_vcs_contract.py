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
