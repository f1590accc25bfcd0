"""GitHubTracker with the real PyGithub library against the local fake GitHub of conftest.py."""

from __future__ import annotations

import logging

import pytest
from fake_trackers import DRAFT, GITHUB_TOKEN, STATE_DIR, FakeGitHub, everything_said

from orch.adapters.github import GitHubTracker
from orch.ports import ConfigError, EnvironmentProblem, IssueTracker, TrackedIssue


def test_create_then_find_by_fingerprint_files_no_duplicate(fake_github: FakeGitHub) -> None:
    tracker = GitHubTracker(STATE_DIR)
    assert isinstance(tracker, IssueTracker)
    assert tracker.find("a1b2c3d4") is None
    created = tracker.create(DRAFT)
    assert created == TrackedIssue(
        key="1",
        url="https://github.example/acme/shop/issues/1",
        fingerprint="a1b2c3d4",
        labels=("orch", "database_connection", "orch-a1b2c3d4"),
    )
    assert GitHubTracker(STATE_DIR).find("a1b2c3d4") == created
    assert GitHubTracker(STATE_DIR).find("ffff0000") is None
    issue = fake_github.issues[1]
    assert issue["title"] == DRAFT.title
    assert issue["body"].endswith("\n\norch-fingerprint: a1b2c3d4")
    assert issue["assignees"] == [{"login": "payments-lead"}]
    assert len(fake_github.issues) == 1


def test_comment_and_reopen_a_closed_issue_with_the_regression_label(
    fake_github: FakeGitHub,
) -> None:
    tracker = GitHubTracker(STATE_DIR)
    created = tracker.create(DRAFT)
    tracker.comment(created, "seen again in run 42")
    assert fake_github.comments[1] == ["seen again in run 42"]
    fake_github.close(1)
    closed = tracker.find("a1b2c3d4")
    assert closed is not None and closed.closed
    reopened = tracker.reopen(closed, labels=("regression",))
    assert not reopened.closed
    assert reopened.labels == ("orch", "database_connection", "orch-a1b2c3d4", "regression")
    assert fake_github.issues[1]["state"] == "open"
    assert tracker.find("a1b2c3d4") == reopened


def test_every_request_authenticates_and_the_token_never_shows(
    fake_github: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tracker = GitHubTracker(STATE_DIR)
    tracker.reopen(tracker.create(DRAFT), labels=("regression",))
    assert fake_github.server.requests
    assert all(
        r.headers.get("Authorization") == f"token {GITHUB_TOKEN}"
        for r in fake_github.server.requests
    )
    with pytest.raises(EnvironmentProblem) as missing:
        tracker.comment(TrackedIssue("99", "", "x"), "hello")
    assert "HTTP 404" in str(missing.value)
    assert GITHUB_TOKEN not in everything_said(missing.value, caplog)
    assert GITHUB_TOKEN not in repr(tracker)


def test_wrong_token_is_one_line_naming_the_variable_not_the_value(
    fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ORCH_GITHUB_TOKEN", "ghp_wrongTokenValue77")
    with pytest.raises(EnvironmentProblem) as raised:
        GitHubTracker(STATE_DIR).find("a1b2c3d4")
    url = fake_github.server.url
    assert str(raised.value) == f"github at {url}: HTTP 401 (check ORCH_GITHUB_TOKEN)"
    said = everything_said(raised.value, caplog)
    assert "ghp_wrongTokenValue77" not in said and GITHUB_TOKEN not in said


@pytest.mark.parametrize("name", ["ORCH_GITHUB_TOKEN", "ORCH_GITHUB_REPO"])
def test_a_missing_variable_is_a_config_error_naming_it(
    fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.delenv(name)
    with pytest.raises(ConfigError, match=f"environment variable {name} is not set"):
        GitHubTracker(STATE_DIR)


def test_a_repository_not_written_owner_slash_name_is_a_config_error(
    fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORCH_GITHUB_REPO", "shop")
    with pytest.raises(ConfigError, match="write it as owner/name"):
        GitHubTracker(STATE_DIR)


def test_an_unreachable_server_says_connection_refused(
    fake_github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    closed_port: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ORCH_GITHUB_API_URL", closed_port)
    with pytest.raises(EnvironmentProblem) as raised:
        GitHubTracker(STATE_DIR).create(DRAFT)
    assert str(raised.value) == f"cannot reach {closed_port}: connection refused"
    assert GITHUB_TOKEN not in everything_said(raised.value, caplog)


def test_the_plugin_registers_the_tracker_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="orch") if e.name == "github"]
    assert entry.load().orch_register_issue_trackers() == [GitHubTracker]
    assert GitHubTracker.PLUGIN_NAME == "github"
