"""``${NAME}`` and ``${NAME:-default}`` in what users write (an application's ``env``, a flow
step's ``wait_for``), filled from a set of variables; ``$$`` is a ``$``. Problems name the
variable, never a value: what an environment holds may be a secret."""

from __future__ import annotations

import re
from collections.abc import Mapping

from orch.core.shared.documents import describe, shown
from orch.core.shared.spelling import suggestion

_VARIABLE = re.compile(r"\$(?:\$|\{([^}]*)\}|(\{))")
"""``$$``, ``${NAME}``/``${NAME:-default}``, or a ``${`` never closed."""
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_name(text: str) -> bool:
    """Whether ``text`` is a variable's name (``PAYMENTS_DSN``)."""
    return bool(_NAME.fullmatch(text))


def expand(
    text: str,
    variables: Mapping[str, str] | None,
    source: str,
    *,
    template: bool = False,
    suggest: bool = False,
) -> tuple[str, list[str]]:
    """``text`` with its variables filled from ``variables`` (None: only checks how they are
    written), and the problems; an unset one says it is not set in ``source`` ("orch's
    environment"), with the closest name when ``suggest``. In a ``template`` (an environment's
    ``env``), what comes in has its braces doubled: it stays text, never a ``{service.field}``."""
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        found = _value(match)
        return found.replace("{", "{{").replace("}", "}}") if template else found

    def _value(match: re.Match[str]) -> str:
        if match.group(2):
            problems.append("a '${' that is not closed (write $$ for a $)")
            return match.group()
        if match.group(1) is None:
            return "$"
        name, dash, default = match.group(1).partition(":-")
        if not _NAME.fullmatch(name):
            problems.append(
                f"{describe(match.group())} is not ${{NAME}} or ${{NAME:-default}} "
                "(write $$ for a $)"
            )
            return match.group()
        if variables is None:
            return match.group()
        if variables.get(name):
            return variables[name]
        if dash or name in variables:
            return default
        close = suggestion(name, variables) if suggest else ""
        problems.append(
            f"${{{shown(name)}}} is not set in {source}{close}; set it, or give a default: "
            f"${{{shown(name)}:-value}}"
        )
        return match.group()

    return _VARIABLE.sub(replace, text), problems
