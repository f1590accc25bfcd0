"""Fixtures of the selection tests: a fresh git repository with the application committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from select_repo import APP, Repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "shop")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write(APP)
    (repo.root / ".gitignore").write_text(".orch/\n__pycache__/\n")
    repo.base = repo.commit("base")
    return repo
