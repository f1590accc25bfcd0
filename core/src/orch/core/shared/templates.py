"""The templates of an environment's ``env`` values: ``{payment-db.host}``, ``{db.port}``,
``{db.ports.5432}``, ``{db.url}``, ``{db.env.NAME}``; ``{{`` and ``}}`` are a brace.

Parsing is shared by the workflow's checks (at load time, against the declared services) and by
the environment use case (resolving against the started services' endpoints). In a file, ``$$``
and ``${NAME}`` are orch's own variables, expanded when the file is loaded (their values with
their braces escaped), so the check of a value as written skips them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from attrs import frozen

from orch.core.shared.spelling import unknown
from orch.ports import ServiceSpec

FIELDS = ("host", "port", "url", "ports.PORT", "env.NAME")
"""What a template may ask of a service, as the error messages list it."""

_PIECES = r"(?P<open>\{\{)|(?P<close>\}\})|\{(?P<ref>[^{}]*)\}|(?P<lone>\{)"
_WRITTEN = re.compile(rf"(?P<skip>\$\$|\$\{{[^}}]*\}})|{_PIECES}")
_STORED = re.compile(_PIECES)


@frozen
class Reference:
    """``{service.field}``, or ``{service.ports.8080}`` / ``{service.env.NAME}`` with a key."""

    service: str
    field: str
    key: str = ""


Piece = str | Reference


def parse(text: str, written: bool = False) -> tuple[list[Piece], list[str]]:
    """The literal text and references of ``text``, and what is wrong with it (one message per
    bad piece). ``written``: the value as the file has it, ``$$`` and ``${NAME}`` left alone."""
    pieces: list[Piece] = []
    problems: list[str] = []
    at = 0
    for match in (_WRITTEN if written else _STORED).finditer(text):
        pieces.append(text[at : match.start()])
        at = match.end()
        if match.group("open") or match.group("close"):
            pieces.append(match.group()[0])
        elif match.group("ref") is not None:
            reference, problem = _reference(match.group("ref"))
            pieces.append(reference if reference is not None else match.group())
            if problem:
                problems.append(problem)
        elif match.group("lone"):
            problems.append("a '{' that is not closed (write {{ for a brace)")
            pieces.append("{")
        else:
            pieces.append(match.group())
    pieces.append(text[at:])
    return [piece for piece in pieces if piece != ""], problems


def _reference(inner: str) -> tuple[Reference | None, str]:
    quoted = f"'{{{inner[:60]}}}'"
    service, dot, rest = inner.partition(".")
    if not dot or not service.strip() or not rest:
        return None, f"{quoted} is not {{SERVICE.FIELD}} such as {{db.port}} (write {{{{ for {{)"
    field, _, key = rest.partition(".")
    if field in ("ports", "env") and key:
        if field == "ports" and not (key.isdigit() and key.isascii()):
            return None, f"{quoted}: a port is a number, such as {{{service[:60]}.ports.8080}}"
        return Reference(service, field, key), ""
    if field in ("host", "port", "url") and not key:
        return Reference(service, field), ""
    return None, f"{quoted}: {unknown('field', rest[:60], FIELDS)}"


def shown(reference: Reference) -> str:
    """The reference as a template writes it, quoted for a message."""
    key = f".{reference.key}" if reference.key else ""
    return f"'{{{reference.service}.{reference.field}{key}}}'"


def references(values: Iterable[str]) -> list[Reference]:
    """The references of stored (already expanded) values, in order; bad pieces left out."""
    return [piece for value in values for piece in parse(value)[0] if isinstance(piece, Reference)]


def service_needs(service: ServiceSpec) -> tuple[str, ...]:
    """The services ``service`` waits for: its ``depends_on``, then those its ``env`` names."""
    named = [reference.service for reference in references(service.env.values())]
    return tuple(dict.fromkeys([*service.depends_on, *named]))


def cycle_problem(cycle: Iterable[str]) -> str:
    """What a dependency cycle among services is called, at load time and at start alike."""
    return (
        f"dependency cycle: {' -> '.join(cycle)}; remove one of these dependencies "
        "(depends_on or a template)"
    )
