"""GitVcs against real git repositories: what the shared contract cannot express for a fake."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orch.adapters.git import GitVcs
from orch.ports import ChangedFile, ConfigError, EnvironmentProblem, NotARepository

if TYPE_CHECKING:
    from conftest import GitRepo, MakeRepo

vcs = GitVcs()

LINES = "".join(f"line {n}: some text that makes the file worth comparing\n" for n in range(20))
ONE = ((1, 1),)
ALL_20 = ((1, 20),)


def test_ignored_files_are_not_reported(repo: GitRepo) -> None:
    repo.write(".gitignore", "*.log\nbuild/\n")
    base = repo.commit()
    (repo.root / ".git" / "info" / "exclude").write_text("secret.txt\n")
    for path in ("app.log", "build/out.bin", "build/deep/more.txt", "secret.txt", "src/keep.py"):
        repo.write(path, "x\n")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("src/keep.py", "untracked", hunks=ONE)
    ]


def test_a_tracked_file_matching_gitignore_is_still_reported(repo: GitRepo) -> None:
    repo.write("settings.log", "v1\n")
    repo.commit()
    repo.write(".gitignore", "*.log\n")
    base = repo.commit()
    repo.write("settings.log", "v2\n")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("settings.log", "modified", None, ONE, ONE)
    ]


def test_a_rename_with_small_edits_is_a_rename(repo: GitRepo) -> None:
    repo.write("old.py", LINES)
    base = repo.commit()
    repo.move("old.py", "pkg/new.py")
    repo.write("pkg/new.py", LINES.replace("line 3:", "line three:"))
    assert vcs.changed_files(repo.root, base, repo.commit()) == [
        ChangedFile("pkg/new.py", "renamed", "old.py", ((4, 4),), ((4, 4),))
    ]


def test_a_file_moved_without_git_is_deleted_plus_untracked(repo: GitRepo) -> None:
    repo.write("old.py", LINES)
    base = repo.commit()
    (repo.root / "old.py").rename(repo.root / "new.py")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("new.py", "untracked", hunks=ALL_20),
        ChangedFile("old.py", "deleted", old_hunks=ALL_20),
    ]


def test_a_staged_deletion_of_a_kept_file_is_deleted_plus_untracked(repo: GitRepo) -> None:
    repo.write("data.csv", "a,b\n")
    base = repo.commit()
    repo.git("rm", "-q", "--cached", "data.csv")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("data.csv", "deleted", old_hunks=ONE),
        ChangedFile("data.csv", "untracked", hunks=ONE),
    ]


def test_a_deleted_directory_lists_each_file(repo: GitRepo) -> None:
    repo.write("lib/a.py", "a\n")
    repo.write("lib/sub/b.py", "b\n")
    base = repo.commit()
    repo.git("rm", "-q", "-r", "lib")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("lib/a.py", "deleted", old_hunks=ONE),
        ChangedFile("lib/sub/b.py", "deleted", old_hunks=ONE),
    ]


def test_a_file_replaced_by_a_symbolic_link_is_modified(repo: GitRepo) -> None:
    repo.write("target.txt", "t\n")
    repo.write("link.txt", "l\n")
    base = repo.commit()
    (repo.root / "link.txt").unlink()
    (repo.root / "link.txt").symlink_to("target.txt")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("link.txt", "modified", None, ONE, ONE)
    ]


def test_paths_git_would_quote_come_back_verbatim(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    base = repo.commit()
    names = ["tab\there.txt", 'quote".txt', "back\\slash.txt", "new\nline.txt", "ü/é é.txt"]
    for name in names:
        repo.write(name, name)
    last = {name: name.count("\n") + 1 for name in names}
    untracked = [ChangedFile(n, "untracked", hunks=((1, last[n]),)) for n in sorted(names)]
    assert vcs.changed_files(repo.root, base) == untracked
    head = repo.commit()
    added = [ChangedFile(n, "added", hunks=((1, last[n]),)) for n in sorted(names)]
    assert vcs.changed_files(repo.root, base, head) == added
    for name in names:
        repo.write(name, f"{name}\nmore")  # the last line gets its newline, and one more line
    modified = [
        ChangedFile(n, "modified", None, ((last[n], last[n] + 1),), ((last[n], last[n]),))
        for n in sorted(names)
    ]
    assert vcs.changed_files(repo.root, head) == modified


def test_a_nested_repository_is_not_listed(repo: GitRepo, make_repo: MakeRepo) -> None:
    repo.write("a.txt", "a\n")
    base = repo.commit()
    nested = make_repo(at=repo.root / "vendor" / "other")
    nested.write("inside.txt", "x\n")
    repo.write("mine.txt", "m\n")
    assert vcs.changed_files(repo.root, base) == [ChangedFile("mine.txt", "untracked", hunks=ONE)]


def test_revisions_by_name(repo: GitRepo) -> None:
    repo.write("a.txt", "1\n")
    first = repo.commit()
    repo.git("tag", "v1")
    repo.write("a.txt", "2\n")
    repo.commit()
    repo.git("branch", "release")
    expected = [ChangedFile("a.txt", "modified", None, ONE, ONE)]
    for base, head in [("v1", "release"), ("HEAD~1", "HEAD"), ("main~1", "main"), (first, None)]:
        assert vcs.changed_files(repo.root, base, head) == expected


def test_the_head_revision_leaves_the_working_tree_out(repo: GitRepo) -> None:
    repo.write("a.txt", "1\n")
    base = repo.commit()
    repo.write("b.txt", "2\n")
    head = repo.commit()
    repo.write("a.txt", "uncommitted\n")
    repo.write("untracked.txt", "u\n")
    assert vcs.changed_files(repo.root, base, head) == [ChangedFile("b.txt", "added", hunks=ONE)]


def test_a_revision_that_looks_like_an_option_is_unknown(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("a.txt", "1\n")
    repo.commit()
    written = tmp_path / "written"
    with pytest.raises(ConfigError, match="^unknown revision '--output="):
        vcs.changed_files(repo.root, f"--output={written}")
    assert not written.exists()


def test_a_blob_is_not_a_commit(repo: GitRepo) -> None:
    repo.write("a.txt", "1\n")
    repo.commit()
    blob = repo.git("rev-parse", "HEAD:a.txt")
    with pytest.raises(ConfigError, match=f"^unknown revision '{blob}' in "):
        vcs.changed_files(repo.root, blob)


def test_root_of_a_file_is_its_repository(repo: GitRepo) -> None:
    repo.write("pkg/mod.py", "x\n")
    assert vcs.root(repo.root / "pkg" / "mod.py") == repo.root


def test_root_through_a_symbolic_link_is_the_real_top_level(repo: GitRepo, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(repo.root)
    assert vcs.root(link) == repo.root


def test_a_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(ConfigError, match=f"^{missing}: no such directory$"):
        vcs.root(missing)


def test_a_plain_directory_is_not_a_repository_for_every_call(tmp_path: Path) -> None:
    message = (
        f"{tmp_path}: not a git repository "
        "(run `git init` there or pass a directory inside a git work tree)"
    )
    for call in (vcs.root, vcs.head, lambda p: vcs.changed_files(p, "HEAD")):
        with pytest.raises(ConfigError) as raised:
            call(tmp_path)
        assert str(raised.value) == message


def test_missing_git_is_an_environment_problem(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for call in (vcs.head, lambda p: vcs.changed_files(p, "HEAD")):
        with pytest.raises(EnvironmentProblem, match="^git: command not found on PATH"):
            call(repo.root)


def test_the_root_of_a_plain_repository_is_found_without_starting_git(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a run asks every application's root: a git process each was most of a small app's cost
    (repo.root / "apps" / "a").mkdir(parents=True)
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert vcs.root(repo.root / "apps" / "a") == repo.root.resolve()
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(NotARepository, match="plain: not a git repository"):
        vcs.root(outside)


def test_a_nested_repository_and_a_worktree_get_their_own_root(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    outer = make_repo()
    outer.write("a.txt", "a\n")
    outer.commit()
    inner = outer.root / "apps" / "inner"
    inner.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(inner)], check=True)
    worktree = tmp_path / "wt"
    subprocess.run(
        ["git", "-C", str(outer.root), "worktree", "add", "-q", str(worktree)], check=True
    )
    (worktree / "deep").mkdir()
    assert vcs.root(inner) == inner.resolve()
    assert vcs.root(worktree / "deep") == worktree.resolve()
    assert vcs.root(outer.root / "apps") == outer.root.resolve()


def test_git_variables_of_a_hook_do_not_redirect_it(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, other = make_repo(), make_repo()
    repo.write("a.txt", "a\n")
    sha = repo.commit()
    other.write("b.txt", "b\n")
    other.commit()
    monkeypatch.setenv("GIT_DIR", str(other.root / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other.root))
    assert vcs.root(repo.root) == repo.root
    assert vcs.head(repo.root) == sha


def test_the_users_diff_configuration_does_not_change_the_listing(repo: GitRepo) -> None:
    repo.write("old.py", LINES)
    repo.write("sub/keep.py", "k\n")
    repo.write("two edits.py", LINES)
    base = repo.commit()
    for key, value in [
        ("diff.renames", "false"),
        ("diff.relative", "true"),
        ("diff.external", "false"),
        ("color.ui", "always"),
        ("status.showUntrackedFiles", "no"),
        ("core.quotepath", "true"),
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("diff.context", "5"),
        ("diff.interHunkContext", "10"),
        ("diff.algorithm", "patience"),
        ("diff.submodule", "log"),
    ]:
        repo.git("config", key, value)
    repo.move("old.py", "new é.py")
    repo.write("new é.py", LINES.replace("line 3:", "line three:"))
    repo.write("two edits.py", LINES.replace("line 3:", "3:").replace("line 6:", "6:"))
    repo.write("sub/new.py", "n\n")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("new é.py", "renamed", "old.py", ((4, 4),), ((4, 4),)),
        ChangedFile("sub/new.py", "untracked", hunks=ONE),
        ChangedFile("two edits.py", "modified", None, ((4, 4), (7, 7)), ((4, 4), (7, 7))),
    ]


def test_a_subdirectory_as_root_still_lists_the_whole_repository(repo: GitRepo) -> None:
    repo.write("sub/a.txt", "a\n")
    base = repo.commit()
    repo.write("top.txt", "t\n")
    repo.write("sub/b.txt", "b\n")
    assert vcs.changed_files(repo.root / "sub", base) == [
        ChangedFile("sub/b.txt", "untracked", hunks=ONE),
        ChangedFile("top.txt", "untracked", hunks=ONE),
    ]


class TestDefaultBase:
    def test_is_the_fork_point_from_main(self, repo: GitRepo) -> None:
        repo.write("a.txt", "1\n")
        fork = repo.commit()
        repo.git("switch", "-q", "-c", "feature")
        repo.write("a.txt", "feature\n")
        repo.commit()
        repo.git("switch", "-q", "main")
        repo.write("b.txt", "main moved on\n")
        repo.commit()
        repo.git("switch", "-q", "feature")
        assert vcs.default_base(repo.root) == fork

    def test_falls_back_to_master(self, make_repo: MakeRepo) -> None:
        repo = make_repo(branch="master")
        repo.write("a.txt", "1\n")
        fork = repo.commit()
        repo.git("switch", "-q", "-c", "feature")
        repo.write("a.txt", "2\n")
        repo.commit()
        assert vcs.default_base(repo.root) == fork

    def test_prefers_the_default_branch_of_origin(
        self, make_repo: MakeRepo, tmp_path: Path
    ) -> None:
        upstream = make_repo(branch="trunk")
        upstream.write("a.txt", "1\n")
        fork = upstream.commit()
        clone = upstream.clone(tmp_path / "clone")
        clone.git("switch", "-q", "-c", "feature")
        clone.write("a.txt", "2\n")
        clone.commit()
        clone.git("branch", "main")  # a local main at HEAD must not win over origin/HEAD
        assert vcs.default_base(clone.root) == fork

    def test_without_a_default_branch_is_a_config_error(self, make_repo: MakeRepo) -> None:
        repo = make_repo(branch="topic")
        repo.write("a.txt", "1\n")
        repo.commit()
        with pytest.raises(ConfigError, match="no default branch sharing history with HEAD"):
            vcs.default_base(repo.root)

    def test_of_a_repository_without_commits_is_a_config_error(self, repo: GitRepo) -> None:
        with pytest.raises(ConfigError, match="no commits yet"):
            vcs.default_base(repo.root)
