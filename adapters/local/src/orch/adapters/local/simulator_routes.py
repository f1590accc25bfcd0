"""How a simulator answers: which route a request matches and what its response says once its
templates are filled (``orch.ports.simulator``). Pure functions of the request, so the server
(``simulator``) only reads sockets and keeps counts."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from attrs import frozen

from orch.ports.simulator import Expectation, RequestMatch, SimResponse, SimRoute

_TEMPLATE = re.compile(r"\{\{\s*request\.([A-Za-z0-9_.-]+)\s*\}\}")


@frozen
class Request:
    """A request as the routes see it: headers by lower-case name, the body parsed when it is
    JSON (else None), the ``{NAME}`` segments once a route matched."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: str
    json: Any = None
    path_values: Mapping[str, str] = attrs.field(factory=dict)

    def as_context(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": dict(self.path_values),
            "query": dict(self.query),
            "headers": dict(self.headers),
            "json": self.json,
            "body": self.body,
        }


def matching(routes: Sequence[SimRoute], request: Request) -> tuple[int, Request] | None:
    """The index of the first route that answers ``request``, with its path's values."""
    for index, route in enumerate(routes):
        values = _path_values(route.request.path, request.path)
        if values is not None and _matches(route.request, request):
            return index, attrs.evolve(request, path_values=values)
    return None


def _matches(want: RequestMatch, request: Request) -> bool:
    if want.method and want.method != request.method:
        return False
    if any(not _text_matches(v, request.query.get(k)) for k, v in want.query.items()):
        return False
    if any(not _text_matches(v, request.headers.get(k.lower())) for k, v in want.headers.items()):
        return False
    return want.json is None or _holds(request.json, want.json)


def _text_matches(pattern: str, value: str | None) -> bool:
    return value is not None and fnmatch.fnmatchcase(value, pattern)


def _holds(value: Any, wanted: Any) -> bool:
    """Whether ``value`` has everything ``wanted`` has (mappings by key, the rest equal)."""
    if isinstance(wanted, Mapping):
        return isinstance(value, Mapping) and all(
            key in value and _holds(value[key], sub) for key, sub in wanted.items()
        )
    return bool(value == wanted and type(value) is type(wanted))


def _path_values(pattern: str, path: str) -> dict[str, str] | None:
    """The ``{NAME}`` segments of ``path`` under ``pattern``, or None when it does not match."""
    wanted, given = pattern.strip("/").split("/"), path.strip("/").split("/")
    if wanted[-1] == "*":  # any rest, even none
        wanted = wanted[:-1]
        given = given[: len(wanted)] if len(given) >= len(wanted) else []
    if len(wanted) != len(given):
        return None
    values = {}
    for part, text in zip(wanted, given, strict=True):
        if part.startswith("{") and part.endswith("}") and text:
            values[part[1:-1]] = text
        elif part != text:
            return None
    return values


def filled(response: SimResponse, request: Request) -> SimResponse:
    """``response`` with the templates of its body, JSON and headers filled from ``request``."""
    context = request.as_context()
    return attrs.evolve(
        response,
        json=_fill(response.json, context),
        body=_fill(response.body, context),
        headers={k: str(_fill(v, context)) for k, v in response.headers.items()},
    )


def _fill(value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping):
        return {key: _fill(sub, context) for key, sub in value.items()}
    if isinstance(value, list):
        return [_fill(sub, context) for sub in value]
    if not isinstance(value, str):
        return value
    whole = _TEMPLATE.fullmatch(value)
    if whole:
        return _lookup(context, whole.group(1))
    return _TEMPLATE.sub(lambda found: _text(_lookup(context, found.group(1))), value)


def _lookup(context: Mapping[str, Any], dotted: str) -> Any:
    keys = dotted.split(".")
    if keys[0] == "headers" and len(keys) > 1:
        keys[1] = keys[1].lower()  # header names are kept in lower case
    value: Any = context
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return None
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def routes_from_json(data: Sequence[Mapping[str, Any]]) -> tuple[SimRoute, ...]:
    """The routes as ``attrs.asdict`` wrote them for the server (their ``expect`` too: the
    server does not use it, the run does, but what was written reads back whole)."""
    return tuple(
        SimRoute(
            RequestMatch(**route["request"]),
            tuple(SimResponse(**response) for response in route["responses"]),
            Expectation(**route["expect"]) if route.get("expect") else None,
        )
        for route in data
    )
