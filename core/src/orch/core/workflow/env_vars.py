"""An application's ``env`` and ``passenv``: what ``execve`` accepts, and ``${NAME}`` expanded.

The checks name the variable and its JSON path, never a value: what the environment holds may be a
secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from orch.core.shared.documents import describe, join_path, shown

_VARIABLE = re.compile(r"\$(?:\$|\{([^}]*)\})")
"""``$$`` (a literal ``$``), ``${NAME}`` or ``${NAME:-default}`` in an ``env`` value."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def expand(value: str, environ: Mapping[str, str], template: bool = False) -> tuple[str, list[str]]:
    """``value`` with ``${NAME}`` and ``${NAME:-default}`` replaced from ``environ`` (orch's
    environment), and the problems found; they name the variable, never a value: what the
    environment holds may be a secret. In a ``template`` (an environment's ``env``), what comes
    in has its braces doubled: it stays text, never a ``{service.field}``."""
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        found = _replaced(match)
        return found.replace("{", "{{").replace("}", "}}") if template else found

    def _replaced(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "$"
        name, dash, default = match.group(1).partition(":-")
        if not _NAME.match(name):
            problems.append(
                f"{describe(match.group(0))} is not ${{NAME}} or ${{NAME:-default}} "
                "(write $$ for a $)"
            )
            return ""
        found = environ.get(name, "")
        if found:
            return found
        if dash:
            return default
        if name in environ:
            return ""
        quoted = shown(name)
        problems.append(
            f"${{{quoted}}} is not set in orch's environment; "
            f"set it, or give a default: ${{{quoted}:-value}}"
        )
        return ""

    return _VARIABLE.sub(replace, value), problems


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
