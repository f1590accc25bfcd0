"""A ``simulator`` service's routes: an HTTP stand-in for an application that is not there, as the
workflow declares it (``environments.E.services.S.routes``).

Each route matches requests (method, path, query, headers, JSON body) and answers with its
responses in turn, the last one repeating (so ``[503, 200]`` is "the first call fails"). A
response may wait (``delay``), or fail as networks do (``fault``: ``timeout`` never answers,
``drop`` closes the connection). Strings of a response may hold ``{{request.json.order}}``
templates (``method``, ``path.NAME`` of a ``{NAME}`` segment, ``query.K``, ``headers.K``,
``json.KEY...``); a string that is one template keeps the value's JSON type.

The simulator records every request it is sent; ``GET /__orch/requests`` lists them. A route
may say how often it must have been called by the end of the run (``expect``): the run reads the
record before the environment goes and checks it (``ExpectationCheck``), each route's check a
result of the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

from orch.ports.model import TestResult

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
class Expectation:
    """How often a route must have answered by the end of the run: at least ``min`` times and at
    most ``max`` (None: no limit). ``times: N`` is ``min = max = N``; ``max: 0`` is never."""

    min: int = 0
    max: int | None = None

    def holds(self, calls: int) -> bool:
        """Whether ``calls`` requests answered by the route meet the expectation."""
        return self.min <= calls and (self.max is None or calls <= self.max)

    @property
    def text(self) -> str:
        """The expectation in words: "exactly 1 time", "at least 2 times", "never"."""
        if self.max is None:
            return f"at least {_times(self.min)}" if self.min else "any number of times"
        if self.max == 0:
            return "never"
        if self.min == self.max:
            return f"exactly {_times(self.min)}"
        if self.min == 0:
            return f"at most {_times(self.max)}"
        return f"between {self.min} and {_times(self.max)}"


def _times(count: int) -> str:
    return f"{count} time" if count == 1 else f"{count} times"


@frozen
class SimRoute:
    """A request to match, the responses it gets in turn (the last repeats), and how often it
    must have been called by the end of the run (``expect``; None: any number of times)."""

    request: RequestMatch
    responses: tuple[SimResponse, ...]
    expect: Expectation | None = None

    @property
    def label(self) -> str:
        """The route as its checks name it: ``POST /charges`` (``ANY /x`` for any method)."""
        return f"{self.request.method or 'ANY'} {self.request.path}"


SHOWN_REQUESTS = 10
"""The requests a check keeps to show (``received``, ``unmatched``); the rest are counted."""
EXPECTATION_MARKER = "expect:"
"""The result of a route's expectation carries ``expect:SERVICE`` (its simulator) as a marker."""


@frozen
class ExpectationCheck:
    """A route's expectation checked against what its simulator recorded by the end of the
    run: ``calls`` (the requests the route answered), ``received`` (each as ``METHOD PATH
    STATUS``; never headers, query or body: they hold tokens), ``unmatched`` (the requests no
    route answered, the same way: what was sent instead), ``problem`` (why the record could not
    be read; then the check fails)."""

    environment: str
    service: str
    route: str
    expect: Expectation
    calls: int = 0
    received: tuple[str, ...] = ()
    unmatched: tuple[str, ...] = ()
    problem: str = ""

    @property
    def ok(self) -> bool:
        """Whether the expectation holds (never when the record could not be read)."""
        return not self.problem and self.expect.holds(self.calls)

    @property
    def nodeid(self) -> str:
        """The id of its result: ``simulator:card-bank::expect POST /charges``."""
        return f"simulator:{self.service}::expect {self.route}"


def expectation_of(result: TestResult) -> str | None:
    """The simulator whose route's expectation ``result`` is, None for a test's result."""
    return next(
        (m[len(EXPECTATION_MARKER) :] for m in result.markers if m.startswith(EXPECTATION_MARKER)),
        None,
    )


SIMULATED = "ORCH_SIMULATED"
"""The variable naming, comma-separated, the services of a test's environment that simulators
stand in for (``simulate: true``, ``fallback: simulate``)."""
SIMULATED_MARKER = "simulated:"
"""A result got with a simulator standing in for service NAME carries ``simulated:NAME``."""


def simulated_markers(env: Mapping[str, str]) -> tuple[str, ...]:
    """The ``simulated:NAME`` markers of results of tests run with ``env``."""
    names = env.get(SIMULATED, "")
    return tuple(SIMULATED_MARKER + name for name in names.split(",") if name)
