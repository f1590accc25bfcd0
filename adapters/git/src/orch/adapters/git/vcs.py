"""GitVcs: what orch needs of a git repository, read through the git command line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from attrs import frozen

from orch.adapters.git.changes import parse_diff, parse_untracked
from orch.adapters.git.command import FATAL, NO_ANSWER, not_a_repository, output, run_git
from orch.ports import ChangedFile, ConfigError, MissingHistory, UnknownRevision

# Where the default branch may live, most authoritative first.
_DEFAULT_BRANCHES = (
    "refs/remotes/origin/HEAD",
    "refs/heads/main",
    "refs/heads/master",
    "refs/remotes/origin/main",
    "refs/remotes/origin/master",
)

# Options of every ``git diff``: the raw listing (status and paths, NUL-separated) followed by a
# zero-context patch for the changed lines; whole-repository paths, renames detected, and nothing
# from the user's configuration that changes the listing or the hunks (external diff, textconv,
# color, prefixes, context, diff algorithm, submodule format).
_DIFF = (
    "diff",
    "-z",
    "--raw",
    "--patch",
    "--unified=0",
    "--inter-hunk-context=0",
    "--find-renames",
    "--no-relative",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--diff-algorithm=myers",
    "--indent-heuristic",
    "--submodule=short",
)

_FETCH_MORE = (
    "fetch more history (git fetch --deepen=50, or --unshallow) "
    "or pass --base with a commit that is present"
)


_DISCOVERY_VARIABLES = ("GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM")
"""Variables (of those ``run_git`` passes on) that change how far up git looks for a repository:
with either set, git is asked."""


def _marked_top(directory: Path, path: Path) -> Path | None:
    """The nearest folder at or above ``directory`` holding a ``.git`` folder with a HEAD, as
    git finds it, without starting git (a run asks this for every application); None when git
    must answer: a ``.git`` file (worktree, submodule), or discovery variables set.

    Raises NotARepository (naming ``path``) when no ``.git`` is there up to the root.
    """
    if any(name in os.environ for name in _DISCOVERY_VARIABLES) or not directory.is_dir():
        return None
    start = directory.resolve()
    for candidate in (start, *start.parents):
        marker = candidate / ".git"
        if marker.is_dir() and (marker / "HEAD").is_file():
            return candidate
        if marker.exists():
            return None
    raise not_a_repository(path)


@frozen
class GitVcs:
    """The ``git`` Vcs: repository root, HEAD commit, changed files and lines, the default base
    and a file's text at a revision, by running ``git``.

    Paths are relative to the repository's top level with forward slashes, whatever characters
    they contain.
    """

    PLUGIN_NAME: ClassVar[str] = "git"

    def root(self, path: Path) -> Path:
        """The top level of the work tree containing ``path`` (a directory or a file in it)."""
        directory = path.parent if path.is_file() else path
        marked = _marked_top(directory, path)
        if marked is not None:
            return marked
        done = run_git(directory, "rev-parse", "--show-toplevel", ok=(0, FATAL))
        if done.returncode == FATAL:
            raise not_a_repository(path)
        return Path(output(done))

    def head(self, root: Path) -> str:
        """The commit sha of HEAD, or "" in a repository without commits yet."""
        return self._resolve(root, "HEAD") or ""

    def changed_files(self, root: Path, base: str, head: str | None = None) -> list[ChangedFile]:
        """Files that differ between ``base`` and ``head`` and the lines that did, sorted by path.

        Without ``head``, between ``base`` and the working tree: staged and unstaged changes, and
        untracked files that .gitignore does not exclude. A file moved without ``git mv`` or
        ``git add`` is reported as deleted plus untracked, as ``git status`` shows it. Two git
        processes for two commits, three for the working tree, however many files changed.
        """
        if head is None:
            top, base_commit = self._top_and_base(root, base)
            revisions = [base_commit]
        else:
            revisions = self._commits(root, base, head)
        changes = parse_diff(run_git(root, *_DIFF, *revisions, "--").stdout)
        if head is None:
            untracked = run_git(
                root, "ls-files", "--others", "--exclude-standard", "--full-name", "-z", "--", ":/"
            )
            changes += parse_untracked(untracked.stdout, top)
        return sorted(changes, key=lambda c: (c.path, c.status))

    def show(self, root: Path, ref: str, path: str) -> str | None:
        """The text of ``path`` (from the top level) at commit ``ref``, undecodable bytes replaced;
        None if no such file is there. An unknown ``ref`` is a ConfigError."""
        if _is_revision(ref):
            done = run_git(root, "cat-file", "blob", f"{ref}:{path}", ok=(0, FATAL))
            if done.returncode == 0:
                return done.stdout.decode("utf-8", errors="replace")
        self._commit(root, ref)  # why cat-file failed: not a repository, unknown ref, or no file
        return None

    def default_base(self, root: Path) -> str:
        """The merge-base of HEAD with the default branch (origin/HEAD, else main, else master):
        the commit a branch's changes are counted from."""
        if not self.head(root):
            raise ConfigError(f"{root}: no commits yet, so there is no base to compare with")
        listed = run_git(root, "for-each-ref", "--format=%(refname)", *_DEFAULT_BRANCHES)
        existing = set(output(listed).splitlines())
        branches = [r for r in _DEFAULT_BRANCHES if r in existing]
        for ref in branches:
            done = run_git(root, "merge-base", "HEAD", ref, ok=(0, NO_ANSWER))
            if done.returncode == 0:
                return output(done)
        if branches and self._is_shallow(root):
            raise MissingHistory(
                f"{root}: HEAD shares no commit with the default branch in this shallow clone; "
                + _FETCH_MORE
            )
        raise ConfigError(
            f"{root}: no default branch sharing history with HEAD (looked for origin/HEAD, main "
            "and master); fetch it or name the base revision explicitly"
        )

    def _top_and_base(self, root: Path, base: str) -> tuple[Path, str]:
        """The work tree's top level and the commit ``base`` names, from one ``git rev-parse``."""
        if not _is_revision(base):
            raise self._unknown(root, base, "base")
        done = run_git(
            root,
            "rev-parse",
            "--show-toplevel",
            "--verify",
            "--quiet",
            f"{base}^{{commit}}",
            ok=(0, NO_ANSWER, FATAL),
        )
        if done.returncode == FATAL:
            raise not_a_repository(root)
        if done.returncode == NO_ANSWER:
            raise self._unknown(root, base, "base")
        top, commit = output(done).rsplit("\n", 1)
        return Path(top), commit

    def _commits(self, root: Path, base: str, head: str) -> list[str]:
        """The commits ``base`` and ``head`` name, checked by one ``git cat-file --batch-check``
        (which answers "missing" for what is not a single commit, a range for instance)."""
        refs = (("base", base), ("head", head))
        for role, ref in refs:
            if not _is_revision(ref):
                raise self._unknown(root, ref, role)
        done = run_git(
            root,
            "cat-file",
            "--batch-check=%(objectname) %(objecttype)",
            stdin=os.fsencode(f"{base}^{{commit}}\n{head}^{{commit}}\n"),
            ok=(0, FATAL),
        )
        if done.returncode == FATAL:
            raise not_a_repository(root)
        commits = []
        for (role, ref), answer in zip(refs, output(done).split("\n"), strict=True):
            commit, _, kind = answer.rpartition(" ")
            if kind != "commit":
                raise self._unknown(root, ref, role)
            commits.append(commit)
        return commits

    def _unknown(self, root: Path, ref: str, role: str) -> ConfigError:
        """The error for a ``role`` ref (base or head) that names no commit. A base missing from a
        shallow clone is most likely from before its history starts: say how to fetch it."""
        if role == "base" and _is_revision(ref) and self._is_shallow(root):
            return MissingHistory(
                f"{root}: base '{ref}' is not in this shallow clone; " + _FETCH_MORE
            )
        return UnknownRevision(f"unknown revision '{ref}' in {root}")

    def _is_shallow(self, root: Path) -> bool:
        """True in a shallow clone (``git clone --depth``), whose history stops early."""
        return output(run_git(root, "rev-parse", "--is-shallow-repository")) == "true"

    def _commit(self, root: Path, ref: str) -> str:
        """The commit sha ``ref`` names in ``root``; ConfigError if it names none."""
        sha = self._resolve(root, ref)
        if sha is None:
            raise UnknownRevision(f"unknown revision '{ref}' in {root}")
        return sha

    def _resolve(self, root: Path, ref: str) -> str | None:
        """The commit sha ``ref`` names, or None (checked by git itself, not by its messages)."""
        if not _is_revision(ref):
            return None
        done = run_git(
            root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ok=(0, NO_ANSWER, FATAL)
        )
        if done.returncode == FATAL:
            raise not_a_repository(root)
        return output(done) if done.returncode == 0 else None


def _is_revision(ref: str) -> bool:
    """Whether ``ref`` may be given to git as a revision: not empty, not an option, one line."""
    return bool(ref) and not ref.startswith("-") and "\n" not in ref and "\r" not in ref
