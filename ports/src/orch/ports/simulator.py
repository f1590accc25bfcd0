"""A ``simulator`` service's routes: an HTTP stand-in for an application that is not there, as the
workflow declares it (``environments.E.services.S.routes``).

Each route matches requests (method, path, query, headers, JSON body) and answers with its
responses in turn, the last one repeating (so ``[503, 200]`` is "the first call fails"). A
response may wait (``delay``), or fail as networks do (``fault``: ``timeout`` never answers,
``drop`` closes the connection). Strings of a response may hold ``{{request.json.order}}``
templates (``method``, ``path.NAME`` of a ``{NAME}`` segment, ``query.K``, ``headers.K``,
``json.KEY...``); a string that is one template keeps the value's JSON type.

The simulator records every request it is sent; ``GET /__orch/requests`` lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

FAULTS = ("timeout", "drop")
"""How a response fails: ``timeout`` keeps the connection open and never answers, ``drop``
closes it without a response."""

CONTROL = "/__orch/"
"""The simulator's own paths (``requests``, ``health``): no route may use them."""


@frozen
class RequestMatch:
    """What a request must be for a route to answer it: ``method`` ("" for any), ``path``
    (``/users/{id}``: a segment in braces matches any one segment; a final ``*`` any rest),
    ``query`` and ``headers`` (each named one must be there; ``*`` in a value matches any text;
    header names in any case), ``json`` (the body holds these keys with these values, nested
    mappings the same way; None: any body)."""

    method: str = ""
    path: str = "/*"
    query: Mapping[str, str] = field(factory=dict, hash=False)
    headers: Mapping[str, str] = field(factory=dict, hash=False)
    json: Any = field(default=None, hash=False)


@frozen
class SimResponse:
    """One answer: its status, a JSON body (``json``) or a text one (``body``), its headers, a
    ``delay`` in seconds before it, or a ``fault``."""

    status: int = 200
    json: Any = field(default=None, hash=False)
    body: str = ""
    headers: Mapping[str, str] = field(factory=dict, hash=False)
    delay: float = 0.0
    fault: str = ""


@frozen
class SimRoute:
    """A request to match and the responses it gets, in turn (the last repeats)."""

    request: RequestMatch
    responses: tuple[SimResponse, ...]


SIMULATED = "ORCH_SIMULATED"
"""The variable naming, comma-separated, the services of a test's environment that simulators
stand in for (``simulate: true``, ``fallback: simulate``)."""
SIMULATED_MARKER = "simulated:"
"""A result got with a simulator standing in for service NAME carries ``simulated:NAME``."""


def simulated_markers(env: Mapping[str, str]) -> tuple[str, ...]:
    """The ``simulated:NAME`` markers of results of tests run with ``env``."""
    names = env.get(SIMULATED, "")
    return tuple(SIMULATED_MARKER + name for name in names.split(",") if name)
