"""The schema of a ``simulator`` service's ``routes`` (``orch.ports.simulator``): each route's
``request`` to match, its ``response`` (or ``responses``, answered in turn) and how often it must
have been called by the end of the run (``expect: 1``, ``{times}``, ``{min, max}``), structured over
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
from orch.ports.simulator import (
    CONTROL,
    FAULTS,
    Expectation,
    RequestMatch,
    SimResponse,
    SimRoute,
)

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


def _calls(key: str) -> Any:
    """The reader of ``key``, a number of calls."""
    return lambda value: {key: _count(value)}


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Problem(f"expected a whole number of calls, 0 or more, got {describe(value)}")
    return value


def _expectation(
    times: int | None = None, min: int | None = None, max: int | None = None
) -> Expectation:
    if times is not None and (min, max) != (None, None):
        raise Problem("times is an exact count: give it alone, or min and max")
    if times is not None:
        return Expectation(times, times)
    if min is None and max is None:
        raise Problem("give times (exactly), min or max (a number of calls)")
    if min is not None and max is not None and min > max:
        raise Problem(f"min {min} is more than max {max}")
    return Expectation(min or 0, max)


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
        self.expectation = Block(
            (
                Key("times", read=_calls("times")),
                Key("min", read=_calls("min")),
                Key("max", read=_calls("max")),
            ),
            make=_expectation,
        )
        self.route = Block(
            (
                Key("request", read=lambda v: {"request": self._block(self.request, v)}),
                Key("response", read=lambda v: {"response": self._block(self.response, v)}),
                Key("responses", read=self._responses),
                Key("expect", read=self._expect),
            ),
            make=self._made,
        )

    def read(self, value: Any) -> dict[str, Any]:
        """``routes``: a non-empty list of routes, first match answers."""
        shape = "routes, each {request: {method, path}, response: {status}}"
        return {"routes": self._each(self.route, value, shape)}

    def _expect(self, value: Any) -> dict[str, Any]:
        """``expect``: a number of calls (exactly), or ``{times}``, ``{min}``, ``{max}``."""
        if isinstance(value, dict):
            return {"expect": self._block(self.expectation, value)}
        if isinstance(value, int) and not isinstance(value, bool):
            return {"expect": _expectation(times=_count(value))}
        raise Problem(
            f"expected a number of calls, or {{times}} or {{min, max}}, got {describe(value)}"
        )

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
        expect: Expectation | None = None,
    ) -> SimRoute:
        if (response is None) == (not responses):
            raise Problem("a route takes a response, or responses answered in turn: one of them")
        return SimRoute(request or RequestMatch(), (response,) if response else responses, expect)

    def _block(self, block: Block, value: Any) -> Any:
        return structured(self.converter, block, value)
