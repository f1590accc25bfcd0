"""Running git: one subprocess per call with fixed options; failures become orch.ports errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from orch.ports import ConfigError, EnvironmentProblem, NotARepository

# Variables that would point git at another repository than the one ``-C`` names; git sets some
# of them while it runs hooks, and orch may well be started from one.
_REPOSITORY_VARIABLES = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
    }
)

NO_ANSWER = 1
"""Exit code of ``git rev-parse --verify --quiet`` and ``git merge-base`` when there is none."""

FATAL = 128
"""git's exit code for a fatal error, e.g. a directory that is not inside a work tree."""


def run_git(
    root: Path, *args: str, ok: tuple[int, ...] = (0,), stdin: bytes = b""
) -> subprocess.CompletedProcess:
    """Run ``git -C root args`` with ``stdin`` as its input and return it; raise unless its exit
    code is one of ``ok``."""
    if not root.is_dir():
        raise ConfigError(f"{root}: no such directory")
    env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}
    argv = ["git", "-C", str(root), "-c", "core.quotepath=off", *args]
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
    except FileNotFoundError:
        raise EnvironmentProblem(
            "git: command not found on PATH; install git or add its directory to PATH"
        ) from None
    if done.returncode in ok:
        return done
    reason = os.fsdecode(done.stderr).strip().splitlines()
    raise EnvironmentProblem(
        f"`git {' '.join(args)}` failed in {root} (exit code {done.returncode})"
        + (f": {reason[-1]}" if reason else "")
    )


def not_a_repository(path: Path) -> NotARepository:
    """The error for a directory outside every git work tree, saying what to do about it."""
    return NotARepository(
        f"{path}: not a git repository "
        "(run `git init` there or pass a directory inside a git work tree)"
    )


def output(done: subprocess.CompletedProcess) -> str:
    """git's standard output as text without its final newline (undecodable bytes are kept)."""
    return os.fsdecode(done.stdout).removesuffix("\n")
