"""GitVcs.show against real repositories: a file's text at a revision."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orch.adapters.git import GitVcs
from orch.ports import ConfigError

if TYPE_CHECKING:
    from conftest import GitRepo

vcs = GitVcs()


def test_show_reads_a_file_at_a_tag_a_branch_and_a_relative_revision(repo: GitRepo) -> None:
    repo.write("tab\there/ü é.txt", "v1\n")
    repo.commit()
    repo.git("tag", "v1")
    repo.write("tab\there/ü é.txt", "v2\n")
    repo.commit()
    for ref, text in [("v1", "v1\n"), ("HEAD~1", "v1\n"), ("main", "v2\n"), ("HEAD", "v2\n")]:
        assert vcs.show(repo.root, ref, "tab\there/ü é.txt") == text


def test_show_paths_are_from_the_top_level_whatever_the_root(repo: GitRepo) -> None:
    repo.write("sub/a.txt", "a\n")
    repo.commit()
    assert vcs.show(repo.root / "sub", "HEAD", "sub/a.txt") == "a\n"
    assert vcs.show(repo.root / "sub", "HEAD", "a.txt") is None


def test_show_replaces_bytes_that_are_not_utf8(repo: GitRepo) -> None:
    (repo.root / "latin1.txt").write_bytes("café\n".encode("latin-1"))
    repo.commit()
    assert vcs.show(repo.root, "HEAD", "latin1.txt") == "caf\ufffd\n"


def test_show_of_a_directory_or_a_deleted_file_is_none(repo: GitRepo) -> None:
    repo.write("dir/a.txt", "a\n")
    repo.write("gone.txt", "g\n")
    repo.commit()
    repo.remove("gone.txt")
    repo.commit()
    assert vcs.show(repo.root, "HEAD", "dir") is None
    assert vcs.show(repo.root, "HEAD", "gone.txt") is None
    assert vcs.show(repo.root, "HEAD~1", "gone.txt") == "g\n"


def test_show_of_a_symbolic_link_is_its_target(repo: GitRepo) -> None:
    (repo.root / "link").symlink_to("target.txt")
    repo.commit()
    assert vcs.show(repo.root, "HEAD", "link") == "target.txt"


def test_show_at_a_revision_that_looks_like_an_option_or_is_no_commit(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit()
    blob = repo.git("rev-parse", "HEAD:a.txt")
    for ref in ("--output=x", "", blob, "HEAD..HEAD"):
        with pytest.raises(ConfigError, match=f"^unknown revision '{ref}' in {repo.root}$"):
            vcs.show(repo.root, ref, "a.txt")


def test_show_outside_a_repository_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a git repository"):
        vcs.show(tmp_path, "HEAD", "a.txt")
