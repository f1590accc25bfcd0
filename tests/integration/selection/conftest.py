"""Fixtures of the selection tests: a fresh git repository with the application committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from select_repo import APP, Repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "shop")
    repo.base = repo.init(APP)
    return repo
