"""Shallow clones (``git clone --depth``, as CI checks out): a base older than the history there
is told apart from a revision that does not exist at all."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orch.adapters.git import GitVcs
from orch.ports import ChangedFile, ConfigError

if TYPE_CHECKING:
    from conftest import GitRepo, MakeRepo

vcs = GitVcs()


def shallow_clone(upstream: GitRepo, destination: Path, *options: str) -> Path:
    """``git clone --depth 1`` of ``upstream`` (through file:// so that depth is honoured)."""
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", *options, f"file://{upstream.root}", destination],
        check=True,
    )
    return destination.resolve()


@pytest.fixture
def upstream(repo: GitRepo) -> GitRepo:
    """A repository of three commits on main."""
    for n in range(3):
        repo.write("a.txt", f"{n}\n")
        repo.commit()
    return repo


def test_a_base_before_the_shallow_history_says_to_fetch_more(
    upstream: GitRepo, tmp_path: Path
) -> None:
    clone = shallow_clone(upstream, tmp_path / "clone")
    first = upstream.git("rev-list", "--max-parents=0", "HEAD")
    for base, head in [(first, None), (first, "HEAD"), ("HEAD~1", None), ("HEAD~1", "HEAD")]:
        with pytest.raises(ConfigError) as raised:
            vcs.changed_files(clone, base, head)
        assert str(raised.value) == (
            f"{clone}: base '{base}' is not in this shallow clone; fetch more history "
            "(git fetch --deepen=50, or --unshallow) or pass --base with a commit that is present"
        )


def test_a_base_inside_the_shallow_history_works(upstream: GitRepo, tmp_path: Path) -> None:
    clone = shallow_clone(upstream, tmp_path / "clone")
    (clone / "a.txt").write_text("changed\n")
    assert vcs.changed_files(clone, "HEAD") == [
        ChangedFile("a.txt", "modified", None, ((1, 1),), ((1, 1),))
    ]
    assert vcs.default_base(clone) == vcs.head(clone)


def test_an_unknown_head_in_a_shallow_clone_is_an_unknown_revision(
    upstream: GitRepo, tmp_path: Path
) -> None:
    clone = shallow_clone(upstream, tmp_path / "clone")
    with pytest.raises(ConfigError, match=f"^unknown revision 'no-such-ref' in {clone}$"):
        vcs.changed_files(clone, "HEAD", "no-such-ref")


def test_the_same_base_after_unshallow_works(upstream: GitRepo, tmp_path: Path) -> None:
    clone = shallow_clone(upstream, tmp_path / "clone")
    subprocess.run(["git", "-C", clone, "fetch", "-q", "--unshallow"], check=True)
    assert vcs.changed_files(clone, "HEAD~2") == [
        ChangedFile("a.txt", "modified", None, ((1, 1),), ((1, 1),))
    ]


def test_an_unknown_base_in_a_full_clone_is_only_unknown(upstream: GitRepo) -> None:
    with pytest.raises(ConfigError, match=f"^unknown revision 'HEAD~9' in {upstream.root}$"):
        vcs.changed_files(upstream.root, "HEAD~9")


def test_default_base_beyond_the_shallow_history_says_to_fetch_more(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    upstream = make_repo()
    upstream.write("a.txt", "1\n")
    upstream.commit()
    upstream.git("switch", "-q", "-c", "feature")
    upstream.write("a.txt", "feature\n")
    upstream.commit()
    upstream.git("switch", "-q", "main")
    upstream.write("b.txt", "main moved on\n")
    upstream.commit()
    clone = shallow_clone(upstream, tmp_path / "clone", "--no-single-branch", "-b", "feature")
    with pytest.raises(ConfigError) as raised:
        vcs.default_base(clone)
    assert str(raised.value) == (
        f"{clone}: HEAD shares no commit with the default branch in this shallow clone; fetch "
        "more history (git fetch --deepen=50, or --unshallow) or pass --base with a commit that "
        "is present"
    )
