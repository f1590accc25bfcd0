"""orch's HTTP simulator over real sockets on 127.0.0.1: routes matched on method, path, query,
headers and JSON body; templated answers that keep their types; responses in turn; delays and
faults; every request recorded, and the record cleared."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from orch.adapters.local.simulator import serve
from orch.ports.simulator import RequestMatch, SimResponse, SimRoute

ROUTES = (
    SimRoute(
        RequestMatch(method="POST", path="/charges/{id}", json={"order": {"currency": "EUR"}}),
        (
            SimResponse(
                status=201,
                json={"id": "ch_{{request.path.id}}", "amount": "{{request.json.amount}}"},
                headers={"X-Order": "{{request.json.order.ref}}/{{request.headers.X-Trace}}"},
            ),
        ),
    ),
    SimRoute(
        RequestMatch(
            path="/users", query={"role": "admin*"}, headers={"authorization": "Bearer *"}
        ),
        (SimResponse(json=[{"name": "ada"}]),),
    ),
    SimRoute(
        RequestMatch(path="/flaky"),
        (SimResponse(status=503), SimResponse(status=503), SimResponse(body="ok")),
    ),
    SimRoute(RequestMatch(path="/slow"), (SimResponse(delay=0.3, body="late"),)),
    SimRoute(RequestMatch(path="/hang"), (SimResponse(fault="timeout"),)),
    SimRoute(RequestMatch(path="/drop"), (SimResponse(fault="drop"),)),
    SimRoute(RequestMatch(path="/files/*"), (SimResponse(body="a file"),)),
)


@pytest.fixture
def port() -> Iterator[int]:
    server = serve(ROUTES, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def call(
    port: int, method: str, path: str, body: Any = None, timeout: float = 5, **headers: str
) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = None if body is None else json.dumps(body)
    sent = {
        "Content-Type": "application/json",
        **{k.replace("_", "-"): v for k, v in headers.items()},
    }
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, text


def test_a_route_matches_its_body_and_answers_with_typed_templates(port: int) -> None:
    order = {"order": {"currency": "EUR", "ref": "o-7"}, "amount": 12.5}
    status, headers, text = call(port, "POST", "/charges/42", order, X_Trace="t-1")
    assert status == 201 and json.loads(text) == {"id": "ch_42", "amount": 12.5}
    assert headers["x-order"] == "o-7/t-1" and headers["content-type"] == "application/json"
    assert call(port, "POST", "/charges/42", {"order": {"currency": "USD"}})[0] == 404
    assert call(port, "GET", "/charges/42", order)[0] == 404  # the method is part of it


def test_query_and_headers_match_by_pattern_and_in_any_case(port: int) -> None:
    assert call(port, "GET", "/users?role=admin-eu", Authorization="Bearer x")[0] == 200
    assert call(port, "GET", "/users?role=guest", Authorization="Bearer x")[0] == 404
    assert call(port, "GET", "/users?role=admin", AUTHORIZATION="Basic x")[0] == 404
    assert call(port, "GET", "/files/a/b.txt")[2] == "a file"
    assert call(port, "GET", "/files")[2] == "a file"


def test_responses_come_in_turn_and_the_last_repeats(port: int) -> None:
    statuses = [call(port, "GET", "/flaky")[0] for _ in range(4)]
    assert statuses == [503, 503, 200, 200]


def test_a_delay_waits_and_faults_fail_as_networks_do(port: int) -> None:
    started = time.perf_counter()
    assert call(port, "GET", "/slow")[2] == "late"
    assert time.perf_counter() - started >= 0.3
    with pytest.raises(socket.timeout):
        call(port, "GET", "/hang", timeout=0.5)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        call(port, "GET", "/drop")


def test_every_request_is_recorded_and_the_record_can_be_cleared(port: int) -> None:
    call(port, "POST", "/charges/9", {"order": {"currency": "EUR"}}, Authorization="Bearer s")
    call(port, "GET", "/nowhere?x=1")
    recorded = json.loads(call(port, "GET", "/__orch/requests")[2])
    assert [(r["method"], r["path"], r["route"], r["status"]) for r in recorded] == [
        ("POST", "/charges/9", 0, 201),
        ("GET", "/nowhere", None, 404),
    ]
    assert recorded[0]["json"] == {"order": {"currency": "EUR"}}
    assert recorded[0]["headers"]["authorization"] == "Bearer s" and recorded[1]["query"] == {
        "x": "1"
    }
    assert call(port, "DELETE", "/__orch/requests")[0] == 204
    assert json.loads(call(port, "GET", "/__orch/requests")[2]) == []
    assert call(port, "GET", "/__orch/health")[0] == 200
    assert call(port, "GET", "/flaky")[0] == 503  # clearing starts the turns again


def test_a_body_it_cannot_read_is_answered_and_the_server_goes_on(port: int) -> None:
    for length, status in (("-5", 400), ("ten", 400), (str(20 * 1024 * 1024), 413)):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            head = f"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: {length}\r\n\r\n"
            raw.sendall(head.encode())
            assert raw.recv(100).startswith(f"HTTP/1.1 {status} ".encode())
    assert call(port, "GET", "/files/x")[2] == "a file"
