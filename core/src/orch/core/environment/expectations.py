"""Checking what an environment's simulators were sent against their routes' ``expect``, before
the environment goes: the "called 1 time with ..." of a route, whose ``request`` is the "with".

The simulators are the services declared ``type: simulator`` and those a simulator stands in
for (``simulate: true``, or a ``fallback`` that could not start: ``Up.simulated``; a fallback
whose own service started is not one). Each that has expectations is asked for its record over
HTTP, from the machine as the tests reach it (``GET /__orch/requests``, a short timeout, no
proxy), and each expecting route's calls are counted: the requests the simulator says that route
answered. A record that cannot be read fails every check of its simulator, saying why. Of a
request only its method, path and status are kept: headers, query and body hold tokens.

``forget`` empties the records (and each route's turn in its responses) of a warm environment
going back to its pool, so the next run counts, and is answered, as by a fresh one.
"""

from __future__ import annotations

import http.client
import json
import urllib.request
from collections import Counter
from collections.abc import Sequence
from typing import Any

from orch.core.environment.provisioning import Up
from orch.core.shared.documents import describe
from orch.ports import ServiceSpec
from orch.ports.simulator import CONTROL, SHOWN_REQUESTS, ExpectationCheck

READ_SECONDS = 5.0
"""How long a simulator has to hand over its record (it is on this machine)."""
PATH_CHARS = 120
"""A request's path is cut to this many characters."""

_RECORD = CONTROL + "requests"
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""A simulator listens on 127.0.0.1: never asked through the user's ``http_proxy``."""


def simulators(up: Up) -> list[ServiceSpec]:
    """The services of ``up`` that are simulators, as they run (a stand-in's own spec)."""
    found = []
    for service in up.spec.services:
        if service.type == "simulator":
            found.append(service)
        elif service.name in up.simulated or service.simulate == "always":
            found.append(service.stand_in())
    return found


def checks(up: Up, timeout: float = READ_SECONDS) -> tuple[ExpectationCheck, ...]:
    """Each expectation of each simulator of ``up``, checked against its record."""
    found: list[ExpectationCheck] = []
    for service in simulators(up):
        if any(route.expect is not None for route in service.routes):
            requests, problem = _record(up, service.name, timeout)
            found.extend(counted(up.spec.name, service, requests, problem))
    return tuple(found)


def counted(
    environment: str, service: ServiceSpec, requests: Sequence[Any], problem: str = ""
) -> list[ExpectationCheck]:
    """The checks of ``service``'s expecting routes against the recorded ``requests``; routes
    with the same label are told apart by their place (``POST /charges (routes[2])``)."""
    expecting = [(index, r) for index, r in enumerate(service.routes) if r.expect is not None]
    labels = Counter(route.label for _, route in expecting)
    unmatched = [_said(request) for request in requests if _route_of(request) is None]
    made = []
    for index, route in expecting:
        assert route.expect is not None
        label = route.label if labels[route.label] == 1 else f"{route.label} (routes[{index}])"
        answered = [_said(request) for request in requests if _route_of(request) == index]
        made.append(
            ExpectationCheck(
                environment,
                service.name,
                label,
                route.expect,
                calls=len(answered),
                received=tuple(answered[:SHOWN_REQUESTS]),
                unmatched=tuple(unmatched[:SHOWN_REQUESTS]),
                problem=problem,
            )
        )
    return made


def forget(up: Up, timeout: float = READ_SECONDS) -> None:
    """Empty the record of every simulator of ``up``; one that does not answer is left as it
    is (its environment is checked for health before it goes back to its pool)."""
    for service in simulators(up):
        endpoint = up.endpoints.get(service.name)
        if endpoint is None:
            continue
        request = urllib.request.Request(endpoint.url + _RECORD, method="DELETE")
        try:
            _DIRECT.open(request, timeout=timeout).close()
        except (OSError, http.client.HTTPException):
            continue


def _record(up: Up, name: str, timeout: float) -> tuple[list[Any], str]:
    """The requests simulator ``name`` recorded, or none and why they could not be read."""
    endpoint = up.endpoints.get(name)
    if endpoint is None:
        return [], "it is not up"
    url = endpoint.url + _RECORD
    try:
        with _DIRECT.open(url, timeout=timeout) as response:
            found = json.loads(response.read())
    except (OSError, http.client.HTTPException, ValueError) as error:
        return [], f"GET {url} failed: {' '.join(str(error).split()) or type(error).__name__}"
    if not isinstance(found, list):
        return [], f"GET {url} answered {describe(found, 60)}, not a list of requests"
    return found, ""


def _route_of(request: Any) -> int | None:
    """The index of the route that answered ``request``, None when none did."""
    route = request.get("route") if isinstance(request, dict) else None
    return route if type(route) is int else None


def _said(request: Any) -> str:
    """``POST /charges 201`` (or ``(timeout)``, ``(drop)`` for a fault): never more of it."""
    if not isinstance(request, dict):
        return "?"
    method, path = str(request.get("method", "?"))[:16], str(request.get("path", "?"))
    path = path if len(path) <= PATH_CHARS else path[: PATH_CHARS - 3] + "..."
    fault = request.get("fault")
    return f"{method} {path} " + (f"({fault})" if fault else str(request.get("status", "?")))
