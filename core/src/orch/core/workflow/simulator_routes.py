"""The schema of a ``simulator`` service's ``routes`` (``orch.ports.simulator``): each route's
``request`` to match and its ``response`` (or ``responses``, answered in turn), structured over
the environments' strict converter so each mistake is one line at its JSON path
(``$.environments.it.services.bank.routes[1].response.status``)."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from cattrs import Converter

from orch.core.shared.documents import describe, shown
from orch.core.shared.spelling import unknown
from orch.core.workflow.http_values import http_status
from orch.core.workflow.strict import MAX_SECONDS
from orch.core.workflow.structuring import Block, Key, Nested, Problem
from orch.core.workflow.structuring import structure_block as structured
from orch.ports.simulator import CONTROL, FAULTS, RequestMatch, SimResponse, SimRoute

_METHOD = re.compile(r"[A-Z]{1,16}")
_TEXTS = dict[str, str]


def _method(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not _METHOD.fullmatch(value.upper()):
        raise Problem(f"expected an HTTP method such as GET or POST, got {describe(value)}")
    return {"method": value.upper()}


def _path(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value.startswith("/"):
        raise Problem(f"expected a path starting with '/' (/users/{{id}}), got {describe(value)}")
    if value.startswith(CONTROL):
        raise Problem(f"paths under {CONTROL} are the simulator's own (its recorded requests)")
    if "*" in value[:-1]:
        raise Problem("'*' may only end a path (/files/*: any rest)")
    return {"path": value}


def _delay(value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise Problem(f"a delay is a number of seconds, 0 or more, got {describe(value)}")
    if value > MAX_SECONDS:
        raise Problem(f"at most {MAX_SECONDS:,} seconds, got {describe(value)}")
    return {"delay": float(value)}


def _fault(value: Any) -> dict[str, Any]:
    if value not in FAULTS:
        raise Problem(partial(unknown, "fault", shown(value), FAULTS))
    return {"fault": value}


class RouteSchema:
    """Reads ``routes:`` with ``converter`` (the environments' strict one)."""

    def __init__(self, converter: Converter) -> None:
        self.converter = converter
        self.request = Block(
            (
                Key("method", read=_method),
                Key("path", read=_path),
                Key("query", _TEXTS),
                Key("headers", _TEXTS),
                Key("json", read=lambda v: {"json": v}),
            ),
            make=RequestMatch,
        )
        self.response = Block(
            (
                Key("status", read=http_status),
                Key("json", read=lambda v: {"json": v}),
                Key("body", str),
                Key("headers", _TEXTS),
                Key("delay", read=_delay),
                Key("fault", read=_fault),
            ),
            make=SimResponse,
        )
        self.route = Block(
            (
                Key("request", read=lambda v: {"request": self._block(self.request, v)}),
                Key("response", read=lambda v: {"response": self._block(self.response, v)}),
                Key("responses", read=self._responses),
            ),
            make=self._made,
        )

    def read(self, value: Any) -> dict[str, Any]:
        """``routes``: a non-empty list of routes, first match answers."""
        shape = "routes, each {request: {method, path}, response: {status}}"
        return {"routes": self._each(self.route, value, shape)}

    def _responses(self, value: Any) -> dict[str, Any]:
        return {"responses": self._each(self.response, value, "responses, answered in turn")}

    def _each(self, block: Block, value: Any, shape: str) -> tuple[Any, ...]:
        """Each item of a non-empty list through ``block``, a problem at its index."""
        if not isinstance(value, list) or not value:
            raise Problem(f"expected a list of {shape}, got {describe(value)}")
        made = []
        for index, raw in enumerate(value):
            try:
                made.append(self._block(block, raw))
            except Exception as error:
                raise Nested(index, error) from error  # type: ignore[arg-type]
        return tuple(made)

    @staticmethod
    def _made(
        request: RequestMatch | None = None,
        response: SimResponse | None = None,
        responses: tuple[SimResponse, ...] = (),
    ) -> SimRoute:
        if (response is None) == (not responses):
            raise Problem("a route takes a response, or responses answered in turn: one of them")
        return SimRoute(request or RequestMatch(), (response,) if response else responses)

    def _block(self, block: Block, value: Any) -> Any:
        return structured(self.converter, block, value)
