"""JiraTracker with the real ``jira`` library against the local fake Jira of conftest.py."""

from __future__ import annotations

import logging

import pytest
from fake_trackers import DRAFT, JIRA_TOKEN, STATE_DIR, FakeJira, everything_said

from orch.adapters.jira import JiraTracker
from orch.ports import ConfigError, EnvironmentProblem, IssueTracker, TrackedIssue


def test_create_then_find_by_fingerprint_files_no_duplicate(fake_jira: FakeJira) -> None:
    tracker = JiraTracker(STATE_DIR)
    assert isinstance(tracker, IssueTracker)
    assert tracker.find("a1b2c3d4") is None
    created = tracker.create(DRAFT)
    assert created.key == "SHOP-1" and created.url == f"{fake_jira.server.url}/browse/SHOP-1"
    assert JiraTracker(STATE_DIR).find("a1b2c3d4") == created
    assert JiraTracker(STATE_DIR).find("ffff0000") is None
    fields = fake_jira.issues["SHOP-1"]["fields"]
    assert fields["summary"] == DRAFT.title
    assert fields["description"].endswith("\n\norch-fingerprint: a1b2c3d4")
    assert fields["labels"] == ["orch", "database_connection", "orch-a1b2c3d4"]
    assert fields["assignee"] == {"name": "payments-lead"}
    assert fields["issuetype"] == {"name": "Bug"} and fields["project"] == {"key": "SHOP"}
    assert len(fake_jira.issues) == 1


def test_find_falls_back_to_the_fingerprint_line(fake_jira: FakeJira) -> None:
    tracker = JiraTracker(STATE_DIR)
    created = tracker.create(DRAFT)
    fake_jira.issues[created.key]["fields"]["labels"] = []  # someone removed the label
    found = tracker.find("a1b2c3d4")
    assert found is not None and found.key == created.key


def test_comment_and_reopen_a_closed_issue_with_the_regression_label(fake_jira: FakeJira) -> None:
    tracker = JiraTracker(STATE_DIR)
    created = tracker.create(DRAFT)
    tracker.comment(created, "seen again in run 42")
    assert fake_jira.comments["SHOP-1"] == ["seen again in run 42"]
    fake_jira.close("SHOP-1")
    closed = tracker.find("a1b2c3d4")
    assert closed is not None and closed.closed
    reopened = tracker.reopen(closed, labels=("regression",))
    assert not reopened.closed and "regression" in reopened.labels
    assert fake_jira.issues["SHOP-1"]["fields"]["status"]["statusCategory"]["key"] == "new"
    assert "regression" in fake_jira.issues["SHOP-1"]["fields"]["labels"]
    assert tracker.find("a1b2c3d4") == reopened


def test_every_request_authenticates_and_the_token_never_shows(
    fake_jira: FakeJira, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tracker = JiraTracker(STATE_DIR)
    tracker.reopen(tracker.create(DRAFT), labels=("regression",))
    assert fake_jira.server.requests
    assert all(
        r.headers.get("Authorization", "").startswith("Basic ") for r in fake_jira.server.requests
    )
    with pytest.raises(EnvironmentProblem) as missing:
        tracker.comment(TrackedIssue("SHOP-99", "", "x"), "hello")
    assert "HTTP 404" in str(missing.value)
    assert JIRA_TOKEN not in everything_said(missing.value, caplog)
    assert JIRA_TOKEN not in repr(tracker)


def test_wrong_token_is_one_line_naming_the_variable_not_the_value(
    fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ORCH_JIRA_TOKEN", "wrong-token-value-77")
    with pytest.raises(EnvironmentProblem) as raised:
        JiraTracker(STATE_DIR).find("a1b2c3d4")
    url = fake_jira.server.url
    assert str(raised.value) == (
        f"jira at {url}: HTTP 401 (check ORCH_JIRA_USER and ORCH_JIRA_TOKEN)"
    )
    said = everything_said(raised.value, caplog)
    assert "wrong-token-value-77" not in said and JIRA_TOKEN not in said


@pytest.mark.parametrize(
    "name", ["ORCH_JIRA_URL", "ORCH_JIRA_USER", "ORCH_JIRA_TOKEN", "ORCH_JIRA_PROJECT"]
)
def test_a_missing_variable_is_a_config_error_naming_it(
    fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.delenv(name)
    with pytest.raises(ConfigError, match=f"environment variable {name} is not set"):
        JiraTracker(STATE_DIR)


def test_an_unreachable_server_says_connection_refused(
    fake_jira: FakeJira,
    monkeypatch: pytest.MonkeyPatch,
    closed_port: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ORCH_JIRA_URL", closed_port)
    with pytest.raises(EnvironmentProblem) as raised:
        JiraTracker(STATE_DIR).create(DRAFT)
    assert str(raised.value) == f"cannot reach {closed_port}: connection refused"
    assert JIRA_TOKEN not in everything_said(raised.value, caplog)


def test_the_plugin_registers_the_tracker_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="orch") if e.name == "jira"]
    assert entry.load().orch_register_issue_trackers() == [JiraTracker]
    assert JiraTracker.PLUGIN_NAME == "jira"
