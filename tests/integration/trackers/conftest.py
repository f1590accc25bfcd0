"""Fixtures of the tracker tests: fake Jira and GitHub servers on 127.0.0.1 (see fake_trackers)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from fake_trackers import GITHUB_TOKEN, JIRA_TOKEN, JIRA_USER, FakeGitHub, FakeJira


@pytest.fixture
def fake_jira(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeJira]:
    """A running fake Jira, with the ORCH_JIRA_* environment pointing at it."""
    fake = FakeJira()
    fake.server.start()
    monkeypatch.setenv("ORCH_JIRA_URL", fake.server.url)
    monkeypatch.setenv("ORCH_JIRA_USER", JIRA_USER)
    monkeypatch.setenv("ORCH_JIRA_TOKEN", JIRA_TOKEN)
    monkeypatch.setenv("ORCH_JIRA_PROJECT", "SHOP")
    yield fake
    fake.server.stop()


@pytest.fixture
def fake_github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """A running fake GitHub API, with the ORCH_GITHUB_* environment pointing at it."""
    fake = FakeGitHub()
    fake.server.start()
    monkeypatch.setenv("ORCH_GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("ORCH_GITHUB_REPO", FakeGitHub.REPO)
    monkeypatch.setenv("ORCH_GITHUB_API_URL", fake.server.url)
    monkeypatch.setenv("ORCH_GITHUB_WRITE_INTERVAL", "0")
    yield fake
    fake.server.stop()


@pytest.fixture
def closed_port() -> str:
    """The URL of a port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
