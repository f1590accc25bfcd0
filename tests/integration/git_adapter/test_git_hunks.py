"""Changed line ranges from real git repositories: what VcsContract's simple cases leave out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orch.adapters.git import GitVcs
from orch.ports import ChangedFile

if TYPE_CHECKING:
    from conftest import GitRepo, MakeRepo

vcs = GitVcs()

TEN = "".join(f"line {n} of a text whose changed lines are counted\n" for n in range(1, 11))
FIFTH = ((5, 5),)


def test_binary_files_have_no_hunks(repo: GitRepo) -> None:
    repo.write("image.bin", "a\0b\n")
    base = repo.commit()
    repo.write("image.bin", "a\0c\n")
    repo.write("added.bin", "new\0\n")
    head = repo.commit()
    repo.write("untracked.bin", "x\n" * 10 + "\0")
    assert vcs.changed_files(repo.root, base, head) == [
        ChangedFile("added.bin", "added"),
        ChangedFile("image.bin", "modified"),
    ]
    assert vcs.changed_files(repo.root, base)[-1] == ChangedFile("untracked.bin", "untracked")


def test_a_mode_change_alone_has_no_hunks(repo: GitRepo) -> None:
    repo.write("run.sh", "echo hi\n")
    base = repo.commit()
    (repo.root / "run.sh").chmod(0o755)
    assert vcs.changed_files(repo.root, base) == [ChangedFile("run.sh", "modified")]


def test_a_nul_byte_after_the_first_8000_bytes_leaves_a_file_text(repo: GitRepo) -> None:
    head = "x" * 8000 + "\n"
    repo.write("late.txt", head + "before\0nul\n" + TEN)
    repo.write("z.txt", TEN)
    base = repo.commit()
    repo.write("late.txt", head + "after\0nul\n" + TEN)
    repo.write("z.txt", TEN.replace("line 5 of", "line five of"))
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("late.txt", "modified", None, ((2, 2),), ((2, 2),)),
        ChangedFile("z.txt", "modified", None, FIFTH, FIFTH),
    ]


def test_changed_lines_that_look_like_patch_headers_are_content(repo: GitRepo) -> None:
    tricky = ["-- a/evil.txt", "++ b/evil.txt", "@@ -1,3 +1,3 @@", "diff --git a/x b/x", "\\ no"]
    repo.write("a.txt", TEN + "\n".join(tricky) + "\n")
    repo.write("b.txt", TEN)
    base = repo.commit()
    repo.write("a.txt", TEN + "\n".join(line[1:] for line in tricky) + "\n")
    repo.write("b.txt", TEN.replace("line 5 of", "line five of"))
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("a.txt", "modified", None, ((11, 15),), ((11, 15),)),
        ChangedFile("b.txt", "modified", None, FIFTH, FIFTH),
    ]


def test_the_function_name_in_a_hunk_header_is_ignored(repo: GitRepo) -> None:
    source = "def f():\n    a = 1\n    b = 2\n    return a + b\n"
    repo.write("mod.py", source)
    base = repo.commit()
    repo.write("mod.py", source.replace("b = 2", "b = 3"))
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("mod.py", "modified", None, ((3, 3),), ((3, 3),))
    ]


def test_a_rename_between_names_git_quotes_keeps_its_hunks(repo: GitRepo) -> None:
    repo.write('quote".txt', TEN)
    base = repo.commit()
    repo.move('quote".txt', 'tab\there "now" é.txt')
    repo.write('tab\there "now" é.txt', TEN.replace("line 5 of", "line five of"))
    expected = [ChangedFile('tab\there "now" é.txt', "renamed", 'quote".txt', FIFTH, FIFTH)]
    assert vcs.changed_files(repo.root, base) == expected
    assert vcs.changed_files(repo.root, base, repo.commit()) == expected


def test_a_file_git_add_intent_to_add_is_added(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    base = repo.commit()
    repo.write("planned.txt", "one\ntwo\n")
    repo.git("add", "--intent-to-add", "planned.txt")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("planned.txt", "added", hunks=((1, 2),))
    ]


def test_an_untracked_symbolic_link_is_one_line(repo: GitRepo) -> None:
    repo.write("target.txt", "t\n")
    base = repo.commit()
    (repo.root / "link").symlink_to("target.txt")
    (repo.root / "dangling").symlink_to("nowhere")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("dangling", "untracked", hunks=((1, 1),)),
        ChangedFile("link", "untracked", hunks=((1, 1),)),
    ]


def test_a_large_untracked_file_counts_every_line(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    base = repo.commit()
    repo.write("big.txt", "a line of about forty characters of text\n" * 100_000 + "tail")
    assert vcs.changed_files(repo.root, base) == [
        ChangedFile("big.txt", "untracked", hunks=((1, 100_001),))
    ]


def test_a_submodule_has_no_hunks(repo: GitRepo, make_repo: MakeRepo) -> None:
    nested = make_repo(at=repo.root / "vendor")
    nested.write("inside.txt", "1\n")
    nested.commit()
    base = repo.commit()  # records vendor as a submodule commit (a gitlink)
    nested.write("inside.txt", "2\n")
    nested.commit()
    assert vcs.changed_files(repo.root, base) == [ChangedFile("vendor", "modified")]
