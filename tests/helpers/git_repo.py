"""A real git repository in a test's tmp_path, for the tests that change code and select by it.

Shared by the selection tests (tests/integration/selection) and the end-to-end monorepo test
(tests/e2e): the root pyproject puts this folder on pytest's ``pythonpath``.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_SYSTEM": "/dev/null",
}
"""A fixed identity and no user or system configuration, so commits work on any machine."""


class GitRepo:
    """A git repository at ``root``: written, edited and committed the way a developer would."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str) -> str:
        """Run git in the repository; its output without surrounding whitespace."""
        done = subprocess.run(
            ["git", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, **GIT_ENV},
            check=True,
        )
        return done.stdout.strip()

    def init(self, files: dict[str, str]) -> str:
        """``git init`` a ``main`` branch holding ``files`` and a .gitignore of orch's state and
        bytecode, committed as "base"; returns that commit."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.write(files)
        (self.root / ".gitignore").write_text(".orch/\n__pycache__/\n")
        return self.commit("base")

    def write(self, files: dict[str, str]) -> None:
        """Write each file (name relative to the root: text, dedented), creating its folders."""
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"))

    def edit(self, name: str, old: str, new: str) -> None:
        """Replace ``old`` by ``new`` in one file; fails naming both when ``old`` is not there."""
        path = self.root / name
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new))

    def commit(self, message: str = "change") -> str:
        """Commit everything in the working tree; returns the new commit."""
        self.git("add", "-A")
        self.git("commit", "-qm", message)
        return self.git("rev-parse", "HEAD")
