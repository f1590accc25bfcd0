"""The ``api`` fixture of the http sink's tests: a fresh TestApi on 127.0.0.1 per test."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from http_test_api import TestApi


@pytest.fixture
def api() -> Iterator[TestApi]:
    server = TestApi()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
