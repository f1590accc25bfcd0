"""A simulator route's ``expect:`` in orch.yaml: how often the route must have been called by the
end of the run, read into an ``Expectation`` (said in words for its result), each mistake one
line at its JSON path; and the routes written for the simulator process read back whole."""

from __future__ import annotations

import json

import attrs
import pytest

from orch.adapters.local.simulator_routes import routes_from_json
from orch.ports.simulator import Expectation

ROUTE = """
applications:
  pay: {path: apps/payment, runner: pytest}
environments:
  e:
    services:
      bank:
        type: simulator
        routes:
          - request: {method: POST, path: /charges}
            response: {status: 201}
            expect: EXPECT
"""
AT = "orch.yaml: $.environments.e.services.bank.routes[0].expect"


@pytest.mark.parametrize(
    ("written", "expected", "text"),
    [
        ("1", Expectation(1, 1), "exactly 1 time"),
        ("{times: 2}", Expectation(2, 2), "exactly 2 times"),
        ("{min: 2}", Expectation(2, None), "at least 2 times"),
        ("{max: 3}", Expectation(0, 3), "at most 3 times"),
        ("{min: 1, max: 3}", Expectation(1, 3), "between 1 and 3 times"),
        ("{max: 0}", Expectation(0, 0), "never"),
        ("0", Expectation(0, 0), "never"),
        ("{min: 0}", Expectation(0, None), "any number of times"),
    ],
)
def test_an_expectation_loads_and_says_itself_in_words(workflow_file, written, expected, text):
    (bank,) = workflow_file.load(ROUTE.replace("EXPECT", written)).environments[0].services
    (route,) = bank.routes
    assert route.expect == expected and expected.text == text
    assert route.label == "POST /charges"


def test_an_expectation_holds_within_its_bounds():
    assert [Expectation(1, 1).holds(n) for n in (0, 1, 2)] == [False, True, False]
    assert [Expectation(2, None).holds(n) for n in (1, 2, 50)] == [False, True, True]
    assert [Expectation(0, 0).holds(n) for n in (0, 1)] == [True, False]


@pytest.mark.parametrize(
    ("written", "line"),
    [
        ("-1", ": expected a whole number of calls, 0 or more, got -1"),
        ("{times: -1}", ".times: expected a whole number of calls, 0 or more, got -1"),
        ("{min: 1.5}", ".min: expected a whole number of calls, 0 or more, got 1.5"),
        ("{max: true}", ".max: expected a whole number of calls, 0 or more, got true"),
        ("{min: 3, max: 1}", ": min 3 is more than max 1"),
        ("{times: 1, max: 2}", ": times is an exact count: give it alone, or min and max"),
        ("{}", ": give times (exactly), min or max (a number of calls)"),
        ("{time: 1}", ".time: unknown key; did you mean 'times'?"),
        ("once", ": expected a number of calls, or {times} or {min, max}, got 'once'"),
    ],
)
def test_each_mistake_in_an_expectation_is_one_line(workflow_file, written, line):
    errors = workflow_file.errors(ROUTE.replace("EXPECT", written))
    assert len(errors) == 1 and errors[0].startswith(AT + line), errors


def test_routes_written_for_the_simulator_process_read_back_with_their_expectation(
    workflow_file,
):
    text = ROUTE.replace("EXPECT", "{min: 1, max: 2}") + (
        "          - request: {path: /health}\n            response: {status: 200}\n"
    )
    (bank,) = workflow_file.load(text).environments[0].services
    written = json.loads(json.dumps([attrs.asdict(route) for route in bank.routes]))
    assert routes_from_json(written) == bank.routes
    assert bank.routes[1].expect is None and bank.routes[1].label == "ANY /health"
