"""GitVcs: what orch needs of a git repository, read through the git command line."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from attrs import frozen

from orch.adapters.git.changes import parse_name_status, parse_untracked
from orch.adapters.git.command import FATAL, NO_ANSWER, not_a_repository, output, run_git
from orch.ports import ChangedFile, ConfigError

# Where the default branch may live, most authoritative first.
_DEFAULT_BRANCHES = (
    "refs/remotes/origin/HEAD",
    "refs/heads/main",
    "refs/heads/master",
    "refs/remotes/origin/main",
    "refs/remotes/origin/master",
)

# Options of every ``git diff``: machine-readable, whole-repository paths, renames detected,
# nothing from the user's configuration that changes the listing (external diff, textconv, color).
_DIFF = (
    "diff",
    "--name-status",
    "-z",
    "--find-renames",
    "--no-relative",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
)


@frozen
class GitVcs:
    """The ``git`` Vcs: repository root, HEAD commit and changed files, by running ``git``.

    Paths are relative to the repository's top level with forward slashes, whatever characters
    they contain.
    """

    PLUGIN_NAME: ClassVar[str] = "git"

    def root(self, path: Path) -> Path:
        """The top level of the work tree containing ``path`` (a directory or a file in it)."""
        directory = path.parent if path.is_file() else path
        done = run_git(directory, "rev-parse", "--show-toplevel", ok=(0, FATAL))
        if done.returncode == FATAL:
            raise not_a_repository(path)
        return Path(output(done))

    def head(self, root: Path) -> str:
        """The commit sha of HEAD, or "" in a repository without commits yet."""
        return self._resolve(root, "HEAD") or ""

    def changed_files(self, root: Path, base: str, head: str | None = None) -> list[ChangedFile]:
        """Files that differ between ``base`` and ``head``, sorted by path.

        Without ``head``, between ``base`` and the working tree: staged and unstaged changes, and
        untracked files that .gitignore does not exclude. A file moved without ``git mv`` or
        ``git add`` is reported as deleted plus untracked, as ``git status`` shows it.
        """
        revisions = [self._commit(root, base)]
        if head is not None:
            revisions.append(self._commit(root, head))
        changes = parse_name_status(run_git(root, *_DIFF, *revisions, "--").stdout)
        if head is None:
            untracked = run_git(
                root, "ls-files", "--others", "--exclude-standard", "--full-name", "-z", "--", ":/"
            )
            changes += parse_untracked(untracked.stdout)
        return sorted(changes, key=lambda c: (c.path, c.status))

    def default_base(self, root: Path) -> str:
        """The merge-base of HEAD with the default branch (origin/HEAD, else main, else master):
        the commit a branch's changes are counted from."""
        if not self.head(root):
            raise ConfigError(f"{root}: no commits yet, so there is no base to compare with")
        listed = run_git(root, "for-each-ref", "--format=%(refname)", *_DEFAULT_BRANCHES)
        existing = set(output(listed).splitlines())
        for ref in (r for r in _DEFAULT_BRANCHES if r in existing):
            done = run_git(root, "merge-base", "HEAD", ref, ok=(0, NO_ANSWER))
            if done.returncode == 0:
                return output(done)
        raise ConfigError(
            f"{root}: no default branch sharing history with HEAD (looked for origin/HEAD, main "
            "and master); fetch it or name the base revision explicitly"
        )

    def _commit(self, root: Path, ref: str) -> str:
        """The commit sha ``ref`` names in ``root``; ConfigError if it names none."""
        sha = self._resolve(root, ref)
        if sha is None:
            raise ConfigError(f"unknown revision '{ref}' in {root}")
        return sha

    def _resolve(self, root: Path, ref: str) -> str | None:
        """The commit sha ``ref`` names, or None (checked by git itself, not by its messages)."""
        if not ref or ref.startswith("-"):
            return None
        done = run_git(
            root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", ok=(0, NO_ANSWER, FATAL)
        )
        if done.returncode == FATAL:
            raise not_a_repository(root)
        return output(done) if done.returncode == 0 else None
