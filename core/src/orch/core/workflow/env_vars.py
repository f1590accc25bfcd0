"""An application's ``env`` and ``passenv``: what ``execve`` accepts (its ``${NAME}`` are
expanded by ``orch.core.shared.variables``).

The checks name the variable and its JSON path, never a value: what the environment holds may be a
secret.
"""

from __future__ import annotations

from collections.abc import Iterator

from orch.core.shared.documents import join_path


def passenv_problems(patterns: tuple[str, ...], where: str) -> list[tuple[str, str]]:
    """A ``passenv`` entry is a variable name or a glob of names, never ``NAME=value``."""
    return [
        (f"{where}[{index}]", "expected a variable name or glob such as CI_* (set values in env)")
        for index, pattern in enumerate(patterns)
        if not pattern or "=" in pattern
    ]


def env_problems(env: dict[str, str], where: str) -> Iterator[tuple[str, str]]:
    """An ``env`` key is what ``execve`` accepts: not empty, no ``=``, no NUL."""
    for key in env:
        if not key or "=" in key or "\0" in key:
            yield (
                join_path(where, key),
                "expected a variable name such as DB_HOST (no '=', not empty)",
            )
