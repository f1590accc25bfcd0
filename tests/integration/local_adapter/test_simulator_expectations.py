"""A route's ``expect`` checked against what a real simulator recorded: each expecting route's
calls counted (routes of one label told apart), what was sent shown by method, path and status
only, a simulator that does not answer failing its checks saying why, a warm one's record
forgotten; in an environment of real processes, the simulators standing in are checked while a
``fallback`` whose own service started is not; and a run's checks are its results."""

from __future__ import annotations

import http.client
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from orch.adapters.local.provisioning import ProcessProvisioner
from orch.adapters.local.simulator import serve
from orch.core import Workflow
from orch.core.environment.expectations import checks, forget
from orch.core.environment.provisioning import Up
from orch.core.environment.session import EnvironmentSession
from orch.core.run.session import RunSession
from orch.ports import (
    Application,
    Endpoint,
    EnvironmentSpec,
    ExitCode,
    Owner,
    PortMapping,
    ServiceSpec,
    TestResult,
)
from orch.ports.observer import Silent
from orch.ports.simulator import Expectation, RequestMatch, SimResponse, SimRoute
from orch.testing.fake_runner import FakeClock, FakeExecutor, FakeRunner, FakeTest
from orch.testing.fakes import FakeStore

ONCE = Expectation(1, 1)
ROUTES = (
    SimRoute(RequestMatch("POST", "/charges", json={"currency": "EUR"}), (SimResponse(201),), ONCE),
    SimRoute(RequestMatch("POST", "/charges"), (SimResponse(402),), Expectation(0, 0)),
    SimRoute(RequestMatch("GET", "/health"), (SimResponse(),)),
    SimRoute(RequestMatch(path="/refunds"), (SimResponse(fault="drop"),), Expectation(2, None)),
)


@pytest.fixture
def port() -> Iterator[int]:
    server = serve(ROUTES, 0)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def _up(tmp_path: Path, port: int) -> Up:
    bank = ServiceSpec("bank", "simulator", ports=(PortMapping(8080),), routes=ROUTES)
    owner = Owner("o-1", "run-1", "it", "0" * 64, tmp_path)
    url = f"http://127.0.0.1:{port}"
    return Up(
        EnvironmentSpec("it", (bank,)),
        owner,
        tmp_path,
        {"bank": Endpoint("127.0.0.1", {8080: port}, url)},
    )


def _processes(root: Path, spec: EnvironmentSpec) -> EnvironmentSession:
    """Environment ``spec`` of real processes (no reaper: the test takes it down)."""
    state = root / ".orch"
    return EnvironmentSession(
        {spec.name: spec}, [ProcessProvisioner()], state_dir=state, root=root, reaper=False
    )


def _send(port: int, method: str, path: str, body: str = "") -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer tok-secret"}
    try:
        connection.request(method, path, body=body or None, headers=headers)
        connection.getresponse().read()
    except (http.client.HTTPException, ConnectionError):
        pass  # a dropped connection is what /refunds answers
    finally:
        connection.close()


def test_each_expecting_route_counts_the_requests_it_answered(tmp_path: Path, port: int):
    _send(port, "POST", "/charges?card=4242", '{"currency": "EUR", "token": "tok-secret"}')
    _send(port, "POST", "/charges", '{"currency": "EUR"}')
    _send(port, "GET", "/health")
    _send(port, "GET", "/refunds")
    _send(port, "GET", "/nowhere")
    found = {check.route: check for check in checks(_up(tmp_path, port))}
    assert list(found) == [
        "POST /charges (routes[0])",
        "POST /charges (routes[1])",
        "ANY /refunds",
    ]
    eur, other, refunds = found.values()
    assert (eur.calls, eur.ok, eur.expect.text) == (2, False, "exactly 1 time")
    assert eur.received == ("POST /charges 201", "POST /charges 201")  # no query, no body
    assert (other.calls, other.ok, other.expect.text) == (0, True, "never")
    assert (refunds.calls, refunds.ok, refunds.received) == (1, False, ("GET /refunds (drop)",))
    assert refunds.unmatched == ("GET /nowhere 404",)
    assert eur.nodeid == "simulator:bank::expect POST /charges (routes[0])"
    assert {check.environment for check in found.values()} == {"it"}
    assert "tok-secret" not in repr(found)


def test_a_simulator_that_does_not_answer_fails_its_checks_saying_why(tmp_path: Path):
    server = serve(ROUTES, 0)
    gone = server.server_port
    server.server_close()  # nothing listens there any more
    found = checks(_up(tmp_path, gone), timeout=1)
    assert len(found) == 3 and not any(check.ok for check in found)
    assert found[0].problem.startswith(f"GET http://127.0.0.1:{gone}/__orch/requests failed: ")
    assert "refused" in found[0].problem.lower()


def test_a_warm_simulator_forgets_what_it_was_sent(tmp_path: Path, port: int):
    up = _up(tmp_path, port)
    _send(port, "GET", "/refunds")
    forget(up)
    assert [check.calls for check in checks(up)] == [0, 0, 0]


def test_stand_ins_are_checked_and_a_fallback_whose_service_started_is_not(tmp_path: Path):
    once = (SimRoute(RequestMatch("GET", "/ping"), (SimResponse(),), ONCE),)
    serves = (sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "$ORCH_PORT")
    ports = (PortMapping(8080),)
    spec = EnvironmentSpec(
        "it",
        (
            ServiceSpec("bank", "simulator", ports=ports, routes=once),
            ServiceSpec("shop", "process", ports=ports, routes=once, simulate="always"),
            ServiceSpec(
                "mail",
                "process",
                ("sh", "-c", "exit 3"),
                ports=ports,
                routes=once,
                simulate="fallback",
            ),
            ServiceSpec(
                "real", "process", command=serves, ports=ports, routes=once, simulate="fallback"
            ),
        ),
    )
    session = _processes(tmp_path, spec)
    assert session.expectations("it") == ()  # not up
    session.up("it", "run-1")
    try:
        up = session.up_now["it"][0]
        assert set(up.simulated) == {"shop", "mail"}
        _send(up.endpoints["bank"].port or 0, "GET", "/ping")
        found = {check.service: (check.calls, check.ok) for check in session.expectations("it")}
        assert found == {"bank": (1, True), "shop": (0, False), "mail": (0, False)}
    finally:
        session.close()


class SendsOnceUp(Silent):
    """Sends ``requests`` to the simulator on ``port`` once its environment is up, as the
    tests of a real run would."""

    def __init__(self, port: int, *requests: tuple[str, str]) -> None:
        self.port = port
        self.requests = requests
        self.heard: list[TestResult] = []

    def node_finish(self, node, finish) -> None:
        if node.id == "environment:it":
            for method, path in self.requests:
                _send(self.port, method, path, '{"currency": "EUR"}')

    def result(self, result: TestResult) -> None:
        self.heard.append(result)


def test_a_run_checks_its_simulator_before_it_goes_and_a_failed_check_fails_the_run(
    tmp_path: Path,
):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    routes = (
        ROUTES[0],
        SimRoute(RequestMatch("GET", "/refunds"), (SimResponse(),), Expectation(0, 0)),
    )
    bank = ServiceSpec("bank", "simulator", ports=(PortMapping(8080, port),), routes=routes)
    spec = EnvironmentSpec("it", (bank,))
    apps = (
        Application("pay", tmp_path, "fake", environment="it"),
        Application("shop", tmp_path, "fake", environment="it"),
    )
    workflow = Workflow(applications=apps, environments=(spec,), root=tmp_path)
    runner = FakeRunner({"pay": [FakeTest("t1")], "shop": [FakeTest("t2")]})
    heard = SendsOnceUp(port, ("POST", "/charges"), ("GET", "/refunds"))
    environments = _processes(tmp_path, spec)
    result = RunSession(
        workflow,
        runners={"fake": runner},
        executor=FakeExecutor(runner),
        store=FakeStore(),
        state_dir=tmp_path / ".orch",
        clock=FakeClock(0.01),
        poll_seconds=0,
        observer=heard,
        environments=environments,
    ).execute()
    assert result.exit_code is ExitCode.TESTS_FAILED
    checked = {
        r.nodeid: (r.app, r.outcome.value, r.message)
        for r in result.results
        if r.app == "pay" and r.nodeid != "t1"
    }
    assert checked == {
        "simulator:bank::expect POST /charges": (
            "pay",
            "passed",
            "simulator 'bank' expected POST /charges exactly 1 time, got 1: POST /charges 201",
        ),
        "simulator:bank::expect GET /refunds": (
            "pay",
            "failed",
            "simulator 'bank' expected GET /refunds never, got 1: GET /refunds 200",
        ),
    }
    assert {r.nodeid for r in heard.heard} == {"t1", "t2", *checked}
    assert result.counts.failed == 1 and result.counts.passed == 3
