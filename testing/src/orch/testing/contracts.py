"""Contract tests: one class per port; each adapter of that port subclasses it with its fixture.

A fake in ``orch.testing.fakes`` passes the same contract, which is what makes it a faithful fake.
The store's ports have theirs in ``orch.testing.store_contracts``, importable from here too.
"""

from __future__ import annotations

import json
import signal
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pytest

from orch.ports import (
    ChangedFile,
    Command,
    ConfigError,
    Executor,
    IssueDraft,
    IssueTracker,
    Outcome,
    Process,
    ResultFileError,
    ResultParser,
    TestResult,
    Vcs,
)
from orch.testing.store_contracts import CoverageStoreContract as CoverageStoreContract
from orch.testing.store_contracts import FailureStoreContract as FailureStoreContract
from orch.testing.store_contracts import HistoryStoreContract as HistoryStoreContract
from orch.testing.store_contracts import RunStoreContract as RunStoreContract
from orch.testing.store_contracts import StoreContract as StoreContract


class RepoBuilder(Protocol):
    """A repository that VcsContract builds the same way for every Vcs (see ``make_repo``).

    ``write`` and ``remove`` change the working tree only, ``add`` stages one path (``git add``),
    ``move`` is ``git mv``, and ``commit`` stages everything (``git add -A``), commits and returns
    the new commit's sha.
    """

    root: Path

    def write(self, path: str, text: str) -> None: ...

    def add(self, path: str) -> None: ...

    def remove(self, path: str) -> None: ...

    def move(self, old: str, new: str) -> None: ...

    def commit(self, message: str = "change") -> str: ...


_ORIGINAL = "".join(f"line {n} of a file that is long enough to be recognised\n" for n in range(8))
_LINE_1 = ((1, 1),)


def _numbered(*numbers: int) -> str:
    """A text with one distinct line per number, e.g. ``_numbered(1, 2, 3)`` for three lines."""
    return "".join(f"line {n} of a text that tests which of its lines changed\n" for n in numbers)


_TEN = _numbered(*range(1, 11))


class VcsContract:
    """What every Vcs must do; a subclass provides the fixtures ``vcs`` (the Vcs under test) and
    ``make_repo`` (a callable returning a new RepoBuilder with no commits)."""

    def test_is_a_vcs(self, vcs: Vcs) -> None:
        assert isinstance(vcs, Vcs)
        assert vcs.PLUGIN_NAME

    def test_root_of_a_directory_in_the_repository_is_its_top_level(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("pkg/sub/mod.py", "x = 1\n")
        assert vcs.root(repo.root) == repo.root
        assert vcs.root(repo.root / "pkg" / "sub") == repo.root

    def test_a_directory_outside_every_repository_is_a_config_error(
        self, vcs: Vcs, tmp_path: Path
    ) -> None:
        plain = tmp_path / "plain"
        plain.mkdir()
        with pytest.raises(ConfigError) as raised:
            vcs.root(plain)
        assert str(raised.value).startswith(f"{plain}: not a ")
        assert "\n" not in str(raised.value)

    def test_head_of_a_repository_without_commits_is_empty(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        assert vcs.head(make_repo().root) == ""

    def test_head_is_the_latest_commit(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", "first\n")
        first = repo.commit()
        assert vcs.head(repo.root) == first
        repo.write("a.txt", "second\n")
        second = repo.commit()
        assert vcs.head(repo.root) == second != first

    def test_changes_between_two_commits(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("kept.txt", "kept\n")
        repo.write("edited.txt", "before\n")
        repo.write("gone.txt", "gone\n")
        repo.write("old name.txt", _ORIGINAL)
        base = repo.commit()
        repo.write("edited.txt", "after\n")
        repo.remove("gone.txt")
        repo.move("old name.txt", "docs/new name.txt")
        repo.write("src/new.py", "new = True\n")
        head = repo.commit()
        assert vcs.changed_files(repo.root, base, head) == [
            ChangedFile("docs/new name.txt", "renamed", old_path="old name.txt"),
            ChangedFile("edited.txt", "modified", hunks=_LINE_1, old_hunks=_LINE_1),
            ChangedFile("gone.txt", "deleted", old_hunks=_LINE_1),
            ChangedFile("src/new.py", "added", hunks=_LINE_1),
        ]
        assert vcs.changed_files(repo.root, head, head) == []

    def test_changes_in_the_working_tree(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        for name in ("staged.txt", "unstaged.txt", "deleted.txt", "moved.txt"):
            repo.write(name, f"{name}\n{_ORIGINAL}")
        base = repo.commit()
        repo.write("staged.txt", "staged change\n")
        repo.add("staged.txt")
        repo.write("unstaged.txt", "unstaged change\n")
        repo.remove("deleted.txt")
        repo.move("moved.txt", "renamed.txt")
        repo.write("new staged.txt", "new\n")
        repo.add("new staged.txt")
        repo.write("scratch/untracked.txt", "untracked\n")
        all_nine = ((1, 9),)
        assert vcs.changed_files(repo.root, base) == [
            ChangedFile("deleted.txt", "deleted", old_hunks=all_nine),
            ChangedFile("new staged.txt", "added", hunks=_LINE_1),
            ChangedFile("renamed.txt", "renamed", old_path="moved.txt"),
            ChangedFile("scratch/untracked.txt", "untracked", hunks=_LINE_1),
            ChangedFile("staged.txt", "modified", hunks=_LINE_1, old_hunks=all_nine),
            ChangedFile("unstaged.txt", "modified", hunks=_LINE_1, old_hunks=all_nine),
        ]

    def test_the_working_tree_is_compared_with_the_base_not_with_head(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("committed.txt", "v1\n")
        repo.write("reverted.txt", "v1\n")
        repo.write("clean.txt", "v1\n")
        base = repo.commit()
        repo.write("committed.txt", "v2\n")
        repo.write("reverted.txt", "v2\n")
        repo.commit()
        repo.write("reverted.txt", "v1\n")
        assert vcs.changed_files(repo.root, base) == [
            ChangedFile("committed.txt", "modified", hunks=_LINE_1, old_hunks=_LINE_1)
        ]
        assert vcs.changed_files(repo.root, "HEAD") == [
            ChangedFile("reverted.txt", "modified", hunks=_LINE_1, old_hunks=_LINE_1)
        ]

    def test_no_changes_is_an_empty_list(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", "a\n")
        base = repo.commit()
        assert vcs.changed_files(repo.root, base) == []
        assert vcs.changed_files(repo.root, "HEAD") == []

    def test_paths_with_spaces_and_non_ascii_characters(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("plain.txt", _ORIGINAL)
        base = repo.commit()
        repo.write("dir with spaces/ünïcödé file.txt", "ü\n")
        repo.move("plain.txt", "naïve/plain é.txt")
        head = repo.commit()
        repo.write("日本語/ファイル.md", "こんにちは\n")
        committed = [
            ChangedFile("dir with spaces/ünïcödé file.txt", "added", hunks=_LINE_1),
            ChangedFile("naïve/plain é.txt", "renamed", old_path="plain.txt"),
        ]
        assert vcs.changed_files(repo.root, base, head) == committed
        assert vcs.changed_files(repo.root, base) == [
            *committed,
            ChangedFile("日本語/ファイル.md", "untracked", hunks=_LINE_1),
        ]

    def test_an_unknown_revision_is_a_config_error(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", "a\n")
        sha = repo.commit()
        expected = f"unknown revision 'no-such-ref' in {repo.root}"
        with pytest.raises(ConfigError) as raised:
            vcs.changed_files(repo.root, "no-such-ref")
        assert str(raised.value) == expected
        with pytest.raises(ConfigError) as raised:
            vcs.changed_files(repo.root, sha, "no-such-ref")
        assert str(raised.value) == expected

    def test_head_of_a_repository_without_commits_is_an_unknown_revision(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", "a\n")
        with pytest.raises(ConfigError) as raised:
            vcs.changed_files(repo.root, "HEAD")
        assert str(raised.value) == f"unknown revision 'HEAD' in {repo.root}"

    def test_hunks_of_a_line_changed_in_the_middle(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", _TEN)
        base = repo.commit()
        repo.write("a.txt", _TEN.replace("line 5 of", "line five of"))
        expected = [ChangedFile("a.txt", "modified", hunks=((5, 5),), old_hunks=((5, 5),))]
        assert vcs.changed_files(repo.root, base) == expected
        assert vcs.changed_files(repo.root, base, repo.commit()) == expected

    def test_hunks_of_several_changes_in_one_file(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", _TEN)
        base = repo.commit()
        repo.write("a.txt", _numbered(1, 20, 3, 4, 5, 6, 7, 8, 80, 81, 10))
        assert vcs.changed_files(repo.root, base) == [
            ChangedFile("a.txt", "modified", hunks=((2, 2), (9, 10)), old_hunks=((2, 2), (9, 9)))
        ]

    def test_hunks_of_lines_appended_point_at_the_old_last_line(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", _TEN)
        base = repo.commit()
        repo.write("a.txt", _TEN + _numbered(11, 12))
        assert vcs.changed_files(repo.root, base) == [
            ChangedFile("a.txt", "modified", hunks=((11, 12),), old_hunks=((10, 10),))
        ]

    def test_hunks_of_lines_deleted_point_at_the_new_line_before_them(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("middle.txt", _TEN)
        repo.write("first.txt", _TEN)
        base = repo.commit()
        repo.write("middle.txt", _numbered(1, 2, 3, 7, 8, 9, 10))
        repo.write("first.txt", _numbered(*range(2, 11)))
        assert vcs.changed_files(repo.root, base) == [
            ChangedFile("first.txt", "modified", hunks=((1, 1),), old_hunks=((1, 1),)),
            ChangedFile("middle.txt", "modified", hunks=((3, 3),), old_hunks=((4, 6),)),
        ]

    def test_hunks_of_a_pure_insertion_point_at_the_old_line_before_it(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("middle.txt", _TEN)
        repo.write("top.txt", _TEN)
        base = repo.commit()
        repo.write("middle.txt", _numbered(1, 2, 3, 31, 32, 4, 5, 6, 7, 8, 9, 10))
        repo.write("top.txt", _numbered(0, *range(1, 11)))
        head = repo.commit()
        assert vcs.changed_files(repo.root, base, head) == [
            ChangedFile("middle.txt", "modified", hunks=((4, 5),), old_hunks=((3, 3),)),
            ChangedFile("top.txt", "modified", hunks=((1, 1),), old_hunks=((1, 1),)),
        ]

    def test_a_newline_added_at_the_end_changes_the_last_line(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", "first\nlast")
        base = repo.commit()
        repo.write("a.txt", "first\nlast\n")
        assert vcs.changed_files(repo.root, base) == [
            ChangedFile("a.txt", "modified", hunks=((2, 2),), old_hunks=((2, 2),))
        ]

    def test_hunks_of_an_untracked_file_are_all_its_lines(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", "a\n")
        base = repo.commit()
        repo.write("new.txt", "one\ntwo\nthree\n")
        repo.write("unterminated.txt", "one\ntwo")
        repo.write("empty.txt", "")
        assert vcs.changed_files(repo.root, base) == [
            ChangedFile("empty.txt", "untracked"),
            ChangedFile("new.txt", "untracked", hunks=((1, 3),)),
            ChangedFile("unterminated.txt", "untracked", hunks=((1, 2),)),
        ]

    def test_hunks_of_added_and_deleted_files_are_all_their_lines(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("gone.txt", _TEN)
        base = repo.commit()
        repo.remove("gone.txt")
        repo.write("added.txt", _numbered(1, 2, 3))
        repo.write("added empty.txt", "")
        assert vcs.changed_files(repo.root, base, repo.commit()) == [
            ChangedFile("added empty.txt", "added"),
            ChangedFile("added.txt", "added", hunks=((1, 3),)),
            ChangedFile("gone.txt", "deleted", old_hunks=((1, 10),)),
        ]

    def test_hunks_of_a_rename_are_its_edits(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("old.txt", _TEN)
        repo.write("same.txt", _ORIGINAL)
        base = repo.commit()
        repo.move("old.txt", "pkg/new.txt")
        repo.write("pkg/new.txt", _TEN.replace("line 5 of", "line five of"))
        repo.move("same.txt", "pkg/same.txt")
        expected = [
            ChangedFile("pkg/new.txt", "renamed", "old.txt", ((5, 5),), ((5, 5),)),
            ChangedFile("pkg/same.txt", "renamed", old_path="same.txt"),
        ]
        assert vcs.changed_files(repo.root, base) == expected
        assert vcs.changed_files(repo.root, base, repo.commit()) == expected

    def test_show_is_the_text_of_a_file_at_a_revision(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("dir with spaces/ü.txt", "first\n")
        first = repo.commit()
        repo.write("dir with spaces/ü.txt", "second\n")
        repo.write("later.txt", "later\n")
        second = repo.commit()
        repo.write("dir with spaces/ü.txt", "uncommitted\n")
        assert vcs.show(repo.root, first, "dir with spaces/ü.txt") == "first\n"
        assert vcs.show(repo.root, second, "dir with spaces/ü.txt") == "second\n"
        assert vcs.show(repo.root, "HEAD", "dir with spaces/ü.txt") == "second\n"
        assert vcs.show(repo.root, first, "later.txt") is None
        assert vcs.show(repo.root, second, "no such file.txt") is None

    def test_show_at_an_unknown_revision_is_a_config_error(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", "a\n")
        repo.commit()
        with pytest.raises(ConfigError) as raised:
            vcs.show(repo.root, "no-such-ref", "a.txt")
        assert str(raised.value) == f"unknown revision 'no-such-ref' in {repo.root}"

    def test_default_base_on_the_default_branch_is_head(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        repo.write("a.txt", "a\n")
        repo.commit()
        repo.write("a.txt", "b\n")
        head = repo.commit()
        assert vcs.default_base(repo.root) == head

    def test_default_base_without_commits_is_a_config_error(
        self, vcs: Vcs, make_repo: Callable[[], RepoBuilder]
    ) -> None:
        repo = make_repo()
        with pytest.raises(ConfigError, match="no commits yet"):
            vcs.default_base(repo.root)


def _wait_for_exit_of(process: Process, timeout: float = 10.0) -> int:
    """Poll ``process`` until it ends; fail the test if it outlives ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (code := process.poll()) is None:
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"process {process.pid} still running after {timeout}s")
        time.sleep(0.01)
    return code


class ExecutorContract:
    """What every Executor must do; a subclass provides the ``executor`` fixture.

    Commands run ``python -c``; override the ``python`` fixture when the executor's processes see
    the interpreter under another path (e.g. inside a container).
    """

    @pytest.fixture
    def python(self) -> str:
        """The Python interpreter as the executor's processes see it."""
        return sys.executable

    @pytest.fixture
    def tag(self) -> str:
        """A tag no other test uses, so reaping it cannot touch anybody else's processes."""
        return f"contract-{uuid.uuid4().hex}:"

    def _start(
        self, executor: Executor, python: str, cwd: Path, code: str, tag: str, **env: str
    ) -> Process:
        command = Command(argv=(python, "-c", code), cwd=cwd, env=env)
        return executor.start(command, cwd / f"scratch-{uuid.uuid4().hex[:8]}", tag)

    def test_exit_code_is_reported(
        self, executor: Executor, python: str, tmp_path: Path, tag: str
    ) -> None:
        process = self._start(executor, python, tmp_path, "raise SystemExit(3)", tag)
        assert _wait_for_exit_of(process) == 3

    def test_death_by_signal_is_a_negative_code(
        self, executor: Executor, python: str, tmp_path: Path, tag: str
    ) -> None:
        code = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
        process = self._start(executor, python, tmp_path, code, tag)
        assert _wait_for_exit_of(process) == -signal.SIGTERM

    def test_output_tail_holds_stdout_and_stderr(
        self, executor: Executor, python: str, tmp_path: Path, tag: str
    ) -> None:
        code = "import sys; print('to-stdout', flush=True); print('to-stderr', file=sys.stderr)"
        process = self._start(executor, python, tmp_path, code, tag)
        assert _wait_for_exit_of(process) == 0
        assert "to-stdout" in process.output_tail()
        assert "to-stderr" in process.output_tail()

    def test_output_tail_is_the_end_of_a_long_output(
        self, executor: Executor, python: str, tmp_path: Path, tag: str
    ) -> None:
        code = "print('x' * 100_000); print('the-end')"
        process = self._start(executor, python, tmp_path, code, tag)
        assert _wait_for_exit_of(process) == 0
        tail = process.output_tail()
        assert tail.rstrip().endswith("the-end")
        assert len(tail) <= 16_384

    def test_command_env_and_tag_are_seen_but_not_the_parent_environment(
        self,
        executor: Executor,
        python: str,
        tmp_path: Path,
        tag: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("ORCH_CONTRACT_PARENT_ONLY", "leaked")
        code = (
            "import json, os; print(json.dumps({k: os.environ.get(k) for k in "
            "('ORCH_CONTRACT_PARENT_ONLY', 'ORCH_CONTRACT_GIVEN', 'ORCH_TAG')}))"
        )
        process = self._start(executor, python, tmp_path, code, tag, ORCH_CONTRACT_GIVEN="yes")
        assert _wait_for_exit_of(process) == 0
        seen = json.loads(process.output_tail().strip().splitlines()[-1])
        assert seen == {
            "ORCH_CONTRACT_PARENT_ONLY": None,
            "ORCH_CONTRACT_GIVEN": "yes",
            "ORCH_TAG": tag,
        }

    def test_runs_in_the_command_cwd(
        self, executor: Executor, python: str, tmp_path: Path, tag: str
    ) -> None:
        (tmp_path / "marker.txt").write_text("here")
        code = "print(open('marker.txt').read())"
        process = self._start(executor, python, tmp_path, code, tag)
        assert _wait_for_exit_of(process) == 0
        assert "here" in process.output_tail()

    def test_kill_ends_a_running_process(
        self, executor: Executor, python: str, tmp_path: Path, tag: str
    ) -> None:
        process = self._start(executor, python, tmp_path, "import time; time.sleep(60)", tag)
        assert process.poll() is None
        process.kill()
        assert _wait_for_exit_of(process, timeout=5) != 0

    def test_kill_after_exit_keeps_the_exit_code(
        self, executor: Executor, python: str, tmp_path: Path, tag: str
    ) -> None:
        process = self._start(executor, python, tmp_path, "raise SystemExit(4)", tag)
        assert _wait_for_exit_of(process) == 4
        process.kill()
        assert process.poll() == 4

    def test_reap_kills_what_carries_the_tag_prefix(
        self, executor: Executor, python: str, tmp_path: Path, tag: str
    ) -> None:
        sleep = "import time; time.sleep(60)"
        reaped = [self._start(executor, python, tmp_path, sleep, f"{tag}{i}") for i in range(2)]
        other = self._start(executor, python, tmp_path, sleep, f"other-{tag}")
        try:
            assert executor.reap(tag) == 2
            for process in reaped:
                assert _wait_for_exit_of(process, timeout=5) != 0
            assert other.poll() is None
        finally:
            other.kill()

    def test_reap_of_an_unused_prefix_kills_nothing(self, executor: Executor, tag: str) -> None:
        assert executor.reap(tag) == 0


_NOT_RESULTS = (
    b"",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"<!DOCTYPE html>\n<html><body>Test report</body></html>",
    b'{"tests": []}',
)


class ResultParserContract:
    """What every ResultParser must do; a subclass provides the fixtures ``parser`` (the parser
    under test) and ``sample`` (a Path to a result file of its format holding at least one test).

    Corrupt variants of the sample are made in ``tmp_path``.
    """

    def _fails(self, parser: ResultParser, path: Path) -> ResultFileError:
        with pytest.raises(ResultFileError) as caught:
            parser.parse(path, "shop")
        error = caught.value
        assert Path(str(error.path)) == path
        assert error.reason.strip() and "\n" not in error.reason
        return error

    def test_it_is_a_named_result_parser(self, parser: ResultParser) -> None:
        assert isinstance(parser, ResultParser)
        assert isinstance(parser.PLUGIN_NAME, str) and parser.PLUGIN_NAME

    def test_it_sniffs_its_own_format(self, parser: ResultParser, sample: Path) -> None:
        assert parser.sniff(sample.read_bytes()[:8192]) is True

    def test_sniff_refuses_other_content_and_short_heads(
        self, parser: ResultParser, sample: Path
    ) -> None:
        for head in _NOT_RESULTS:
            assert parser.sniff(head) is False, head
        assert parser.sniff(sample.read_bytes()[:3]) in (True, False)

    def test_it_parses_the_sample_into_results_of_the_app(
        self, parser: ResultParser, sample: Path
    ) -> None:
        results = parser.parse(sample, "shop")
        assert results
        for result in results:
            assert isinstance(result, TestResult)
            assert result.app == "shop" and result.nodeid
            assert isinstance(result.outcome, Outcome)
            assert result.duration >= 0
            assert result.message == result.message.strip()  # a diff keeps its lines
        nodeids = [result.nodeid for result in results]
        assert len(nodeids) == len(set(nodeids)), "one result per test"

    def test_parsing_is_repeatable(self, parser: ResultParser, sample: Path) -> None:
        assert parser.parse(sample, "shop") == parser.parse(sample, "shop")

    def test_an_empty_file_is_a_result_file_error(
        self, parser: ResultParser, tmp_path: Path
    ) -> None:
        path = tmp_path / "empty.out"
        path.write_bytes(b"")
        self._fails(parser, path)

    def test_a_truncated_file_is_a_result_file_error(
        self, parser: ResultParser, sample: Path, tmp_path: Path
    ) -> None:
        data = sample.read_bytes()
        path = tmp_path / "truncated.out"
        path.write_bytes(data[: len(data) // 2])
        self._fails(parser, path)

    def test_a_binary_file_is_a_result_file_error(
        self, parser: ResultParser, tmp_path: Path
    ) -> None:
        path = tmp_path / "binary.out"
        path.write_bytes(bytes(range(256)) * 4)
        self._fails(parser, path)

    def test_a_missing_file_is_a_result_file_error(
        self, parser: ResultParser, tmp_path: Path
    ) -> None:
        self._fails(parser, tmp_path / "missing.out")


import os  # noqa: E402
import subprocess  # noqa: E402

import attrs  # noqa: E402

from orch.ports import (  # noqa: E402
    Application,
    EventStream,
    Shard,
    ShardExit,
    TestCase,
    TestRunner,
    TestStarted,
)


class RunnerContract:
    """What every TestRunner must do; a subclass provides the fixtures ``runner`` (the TestRunner
    under test) and ``app`` (an Application for it with at least one test, all of which finish).

    The shard's command runs as a plain subprocess in the ``execute`` fixture; override it for a
    runner whose commands need something else to start them (a fake executor, a container).
    """

    @pytest.fixture
    def execute(self) -> Callable[[Command], ShardExit]:
        return run_command

    @pytest.fixture
    def shard(self, runner: TestRunner, app: Application) -> Shard:
        cases = runner.discover(app) if runner.selects_tests else []
        return Shard(app.name, tuple(cases), key="contract")

    @pytest.fixture
    def scratch(self, tmp_path: Path) -> Path:
        path = tmp_path / "scratch"
        path.mkdir()
        return path

    def test_it_is_a_named_test_runner(self, runner: TestRunner) -> None:
        assert isinstance(runner, TestRunner)
        assert isinstance(runner.PLUGIN_NAME, str) and runner.PLUGIN_NAME
        assert attrs.has(runner.Settings)
        runner.Settings()  # every setting has a default
        assert isinstance(runner.selects_tests, bool)

    def test_discover_returns_the_tests_of_the_app(
        self, runner: TestRunner, app: Application
    ) -> None:
        cases = runner.discover(app)
        assert all(isinstance(case, TestCase) for case in cases)
        assert {case.app for case in cases} <= {app.name}
        nodeids = [case.nodeid for case in cases]
        assert len(set(nodeids)) == len(nodeids)
        assert cases or not runner.selects_tests

    def test_the_command_runs_in_an_existing_directory(
        self, runner: TestRunner, app: Application, shard: Shard, scratch: Path
    ) -> None:
        command = runner.command(app, shard, scratch)
        assert isinstance(command, Command)
        assert command.cwd.is_dir()
        assert command.argv and all(isinstance(arg, str) for arg in command.argv)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in command.env.items())

    def test_events_are_empty_before_the_shard_starts(
        self, runner: TestRunner, app: Application, shard: Shard, scratch: Path
    ) -> None:
        runner.command(app, shard, scratch)
        stream = runner.events(app, shard, scratch)
        assert isinstance(stream, EventStream)
        assert stream.read() == []
        assert stream.read() == []

    def test_events_are_incremental_and_finish_adds_only_the_rest(
        self,
        runner: TestRunner,
        app: Application,
        shard: Shard,
        scratch: Path,
        execute: Callable[[Command], ShardExit],
    ) -> None:
        command = runner.command(app, shard, scratch)
        stream = runner.events(app, shard, scratch)
        exit = execute(command)
        events = stream.read()
        assert stream.read() == []
        finished = runner.finish(app, shard, scratch, exit)
        assert all(isinstance(e, TestStarted | TestResult) and e.app == app.name for e in events)
        assert all(isinstance(result, TestResult) for result in finished)
        results = [e for e in events if isinstance(e, TestResult)] + finished
        nodeids = [result.nodeid for result in results]
        assert len(set(nodeids)) == len(nodeids), "a test was reported twice"
        assert set(nodeids) == set(shard.nodeids) if shard.tests else nodeids
        for index, event in enumerate(events):
            if isinstance(event, TestResult) and TestStarted(app.name, event.nodeid) in events:
                assert events.index(TestStarted(app.name, event.nodeid)) < index


def run_command(command: Command, timeout: float = 120) -> ShardExit:
    """Run a runner's Command in the foreground, as an executor would, and say how it ended."""
    done = subprocess.run(
        list(command.argv),
        cwd=command.cwd,
        env={**os.environ, **command.env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return ShardExit.printed(done.returncode, done.stdout + done.stderr)


class IssueTrackerContract:
    """What every IssueTracker must do; a subclass provides ``tracker`` (empty) and ``close``,
    a callable closing an issue by key the way a person would in that tracker."""

    def draft(self, fingerprint: str = "fp-1", labels: tuple[str, ...] = ("orch",)) -> IssueDraft:
        return IssueDraft("[orch] db down", "ConnectionRefusedError", fingerprint, labels, "")

    def test_an_unknown_fingerprint_finds_nothing(self, tracker: IssueTracker) -> None:
        assert tracker.find("never-filed") is None

    def test_a_created_issue_is_found_by_its_fingerprint(self, tracker: IssueTracker) -> None:
        created = tracker.create(self.draft())
        assert created.key and created.fingerprint == "fp-1" and not created.closed
        found = tracker.find("fp-1")
        assert found is not None and found.key == created.key and not found.closed
        assert "orch" in found.labels

    def test_fingerprints_keep_issues_apart(self, tracker: IssueTracker) -> None:
        first = tracker.create(self.draft("fp-a"))
        second = tracker.create(self.draft("fp-b"))
        assert first.key != second.key
        found = tracker.find("fp-b")
        assert found is not None and found.key == second.key

    def test_comments_land_on_an_open_issue(self, tracker: IssueTracker) -> None:
        issue = tracker.create(self.draft())
        tracker.comment(issue, "seen again in run r2")
        found = tracker.find("fp-1")
        assert found is not None and not found.closed

    def test_a_closed_issue_is_reopened_with_labels(self, tracker: IssueTracker, close) -> None:
        issue = tracker.create(self.draft())
        close(issue.key)
        closed = tracker.find("fp-1")
        assert closed is not None and closed.closed
        reopened = tracker.reopen(closed, ("regression",))
        assert not reopened.closed and "regression" in reopened.labels
        found = tracker.find("fp-1")
        assert found is not None and not found.closed and "regression" in found.labels
