"""orch's HTTP simulator, the program behind a ``simulator`` service:
``python -m orch.adapters.local.simulator ROUTES.json PORT`` answers on 127.0.0.1:PORT.

Each request goes to the first route that matches it (``simulator_routes``), which answers
with its responses in turn, the last repeating; nothing matches: 404 with what was asked.
Every request is recorded; the simulator's own paths read and clear the record:
``GET /__orch/requests`` (a JSON list: method, path, query, headers, json, body, route,
status), ``DELETE /__orch/requests`` (a pool's reset, say), ``GET /__orch/health``.
"""

from __future__ import annotations

import json
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from orch.adapters.local.simulator_routes import Request, filled, matching, routes_from_json
from orch.ports.simulator import CONTROL, SimResponse, SimRoute

MAX_BODY = 10 * 1024 * 1024
"""Bytes of a request body the simulator reads; a longer one is answered 413."""

HANG = 3600.0
"""Seconds a ``timeout`` fault keeps its connection open without answering."""


class Simulator:
    """The routes, how often each has answered, and the requests recorded, shared by the
    server's threads."""

    def __init__(self, routes: tuple[SimRoute, ...]) -> None:
        self.routes = routes
        self.calls = [0] * len(routes)
        self.recorded: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def answer(self, request: Request) -> SimResponse:
        """The response to ``request`` (its templates filled), recorded with it."""
        with self.lock:
            found = matching(self.routes, request)
            if found is None:
                route = None
                response = SimResponse(
                    status=404,
                    json={
                        "error": "no route matches",
                        "method": request.method,
                        "path": request.path,
                    },
                )
            else:
                route, request = found
                responses = self.routes[route].responses
                response = responses[min(self.calls[route], len(responses) - 1)]
                self.calls[route] += 1
            self.recorded.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "query": dict(request.query),
                    "headers": dict(request.headers),
                    "json": request.json,
                    "body": request.body,
                    "route": route,
                    "status": response.status,
                    "fault": response.fault,
                }
            )
        return filled(response, request)

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.recorded)

    def clear(self) -> None:
        with self.lock:
            self.recorded.clear()
            self.calls = [0] * len(self.routes)


class Handler(BaseHTTPRequestHandler):
    """One connection's requests, any method."""

    simulator: Simulator  # set on the class the server is made with
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        url = urlsplit(self.path)
        given = self.headers.get("Content-Length") or "0"
        length = int(given) if given.isdigit() else -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True  # what follows on this connection cannot be read
            error = f"Content-Length must be a number of bytes up to {MAX_BODY}, got {given[:40]}"
            self._send(SimResponse(status=413 if length > 0 else 400, json={"error": error}))
            return
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if url.path.startswith(CONTROL):
            self._control(url.path.removeprefix(CONTROL))
            return
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            json=_parsed(body),
        )
        response = self.simulator.answer(request)
        if response.delay:
            time.sleep(response.delay)
        if response.fault == "timeout":
            time.sleep(HANG)
        if response.fault:  # drop, or a timeout that ran out: no answer at all
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(response)

    def _control(self, what: str) -> None:
        if what == "requests" and self.command == "GET":
            self._send(SimResponse(json=self.simulator.requests()))
        elif what == "requests" and self.command == "DELETE":
            self.simulator.clear()
            self._send(SimResponse(status=204))
        elif what == "health":
            self._send(SimResponse(json={"ok": True}))
        else:
            self._send(SimResponse(status=404, json={"error": f"no {CONTROL}{what}"}))

    def _send(self, response: SimResponse) -> None:
        if response.json is not None:
            data, kind = json.dumps(response.json).encode(), "application/json"
        else:
            data, kind = response.body.encode(), "text/plain; charset=utf-8"
        self.send_response(response.status)
        headers = {"Content-Type": kind, **response.headers, "Content-Length": str(len(data))}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


def _parsed(body: str) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def serve(routes: tuple[SimRoute, ...], port: int) -> ThreadingHTTPServer:
    """A server of ``routes`` bound to 127.0.0.1:``port`` (0: a free one), not yet serving."""
    handler = type("SimulatorHandler", (Handler,), {"simulator": Simulator(routes)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python -m orch.adapters.local.simulator ROUTES.json PORT", file=sys.stderr)
        return 2
    routes = routes_from_json(json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    server = serve(routes, int(argv[1]))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"simulator: {len(routes)} routes on 127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
