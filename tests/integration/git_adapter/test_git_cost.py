"""What changed_files costs: a fixed, small number of git processes, and little time in a large
repository."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from wall_clock import budget

from orch.adapters.git import GitVcs
from orch.ports import ChangedFile

if TYPE_CHECKING:
    from conftest import GitRepo

vcs = GitVcs()

BODY = "".join(f"value_{n} = {n}  # a line of a module\n" for n in range(40))


@pytest.fixture
def git_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A log file with one line per git process started from now on (a ``git`` on PATH that
    logs its arguments and runs the real git)."""
    real = shutil.which("git")
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "git-calls.log"
    log.touch()
    (shim / "git").write_text(f'#!/bin/sh\necho "$1 $2" >> "{log}"\nexec "{real}" "$@"\n')
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}:{Path(str(real)).parent}")
    return log


def test_a_change_set_costs_the_same_few_git_processes_however_large(
    repo: GitRepo, git_calls: Path
) -> None:
    for n in range(30):
        repo.write(f"pkg/mod{n}.py", BODY)
    base = repo.commit()
    for n in range(20):
        repo.write(f"pkg/mod{n}.py", BODY.replace("value_7 ", "value_seven "))
        repo.write(f"new/mod{n}.py", BODY)
    head = repo.commit()
    for n in range(20):
        repo.write(f"untracked/mod{n}.py", BODY)
    git_calls.write_text("")
    assert len(vcs.changed_files(repo.root, base, head)) == 40
    assert len(git_calls.read_text().splitlines()) == 2
    git_calls.write_text("")
    assert len(vcs.changed_files(repo.root, base)) == 60
    assert len(git_calls.read_text().splitlines()) == 3


def test_a_one_file_change_in_2000_files_is_fast(repo: GitRepo) -> None:
    for n in range(2000):
        repo.write(f"pkg{n % 20}/mod{n}.py", BODY)
    base = repo.commit()
    repo.write("pkg3/mod103.py", BODY.replace("value_7 ", "value_seven "))
    expected = [ChangedFile("pkg3/mod103.py", "modified", None, ((8, 8),), ((8, 8),))]
    for head in (None, repo.commit()):
        started = time.perf_counter()
        assert vcs.changed_files(repo.root, base, head) == expected
        assert time.perf_counter() - started < budget(0.3)
