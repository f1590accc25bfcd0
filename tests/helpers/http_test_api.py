"""A small application API on 127.0.0.1 for the http sink's tests (``api`` fixture in
tests/integration/http_adapter/conftest.py): it keeps records by path,
gives each its own id, answers as a JSON API does, and can be told to refuse the Nth POST."""

from __future__ import annotations

import http.server
import itertools
import json
import threading
from typing import Any


class TestApi(http.server.ThreadingHTTPServer):
    """Records by collection path (``/users``); ``refuse`` makes POST number ``refuse`` (from
    1, counted from when it is set) answer ``refusal``; ``location`` whether answers carry one;
    ``headers`` what each request sent."""

    __test__ = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.records: dict[str, dict[int, dict[str, Any]]] = {}
        self.ids = itertools.count(1000)
        self.lock = threading.Lock()
        self.posts = 0
        self.refuse: int | None = None
        self.refusal: tuple[int, str] = (422, '{"error": "refused"}')
        self.location = True
        self.headers: list[dict[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def held(self) -> list[str]:
        with self.lock:
            return sorted(f"{path}/{key}" for path, held in self.records.items() for key in held)

    def refuse_after(
        self, posts: int, status: int = 422, body: str = '{"error": "refused"}'
    ) -> None:
        """Refuse the POST after ``posts`` more, with ``status`` and ``body``."""
        with self.lock:
            self.refuse, self.refusal = self.posts + posts + 1, (status, body)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: TestApi

    def log_message(self, *_args: object) -> None:
        pass

    def _answer(self, status: int, body: Any = None, location: str | None = None) -> None:
        data = (
            (body if isinstance(body, str) else json.dumps(body)).encode()
            if body is not None
            else b""
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(data)

    def _split(self) -> tuple[str, int | None]:
        path, _, last = self.path.rstrip("/").rpartition("/")
        return (path, int(last)) if last.isdigit() else (self.path.rstrip("/"), None)

    def do_POST(self) -> None:
        api = self.server
        record = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with api.lock:
            api.headers.append(dict(self.headers))
            api.posts += 1
            if api.posts == api.refuse:
                api.refuse = None
                self._answer(*api.refusal)
                return
            key = next(api.ids)
            api.records.setdefault(self.path, {})[key] = {"id": key, **record}
            made = api.records[self.path][key]
        self._answer(201, made, f"{self.path}/{key}" if api.location else None)

    def do_GET(self) -> None:
        path, key = self._split()
        with self.server.lock:
            record = self.server.records.get(path, {}).get(key or -1)
        self._answer(200, record) if record else self._answer(404, {"error": "no such record"})

    def do_DELETE(self) -> None:
        path, key = self._split()
        with self.server.lock:
            gone = self.server.records.get(path, {}).pop(key or -1, None)
        self._answer(204) if gone else self._answer(404, {"error": "no such record"})
