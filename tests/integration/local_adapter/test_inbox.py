"""The local inbox tracker: issues kept in .orch/inbox.db across processes."""

from __future__ import annotations

import pytest

from orch.adapters.local.inbox import InboxTracker
from orch.ports import ConfigError, EnvironmentProblem, IssueDraft, IssueTracker, StoreProblem


def test_the_inbox_files_finds_comments_reopens_and_persists(tmp_path):
    inbox = InboxTracker(tmp_path)
    assert isinstance(inbox, IssueTracker)
    assert inbox.find("fp1") is None
    issue = inbox.create(IssueDraft("[orch] db down", "body", "fp1", ("orch", "flaky"), "dba"))
    assert issue.key == "INBOX-1" and inbox.find("fp1") == issue
    inbox.comment(issue, "seen again")
    inbox.close_issue(issue.key)
    assert inbox.find("fp1").closed
    reopened = inbox.reopen(inbox.find("fp1"), ("regression",))
    assert not reopened.closed and reopened.labels == ("orch", "flaky", "regression")
    inbox.close()

    again = InboxTracker(tmp_path)
    [item] = again.issues()
    assert item.issue == reopened and item.assignee == "dba" and item.comments == ("seen again",)
    again.close()


def test_a_corrupt_inbox_is_an_environment_problem(tmp_path):
    (tmp_path / "inbox.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(EnvironmentProblem, match="inbox.db: not a usable inbox .*move it away"):
        InboxTracker(tmp_path)


def test_an_inbox_damaged_after_it_opened_is_one_line_at_every_call(tmp_path):
    inbox = InboxTracker(tmp_path)
    for number in range(200):  # enough issues for pages beyond the first
        inbox.create(IssueDraft(f"[orch] issue {number}", "body " * 50, f"fp{number}", (), ""))
    inbox.close()
    data = bytearray((tmp_path / "inbox.db").read_bytes())
    data[4096:] = b"\xab" * (len(data) - 4096)
    (tmp_path / "inbox.db").write_bytes(bytes(data))
    inbox = InboxTracker(tmp_path)
    draft = IssueDraft("[orch] new", "body", "fp-new", (), "")
    for call in (inbox.issues, lambda: inbox.find("fp7"), lambda: inbox.create(draft)):
        with pytest.raises(StoreProblem, match="inbox.db is not a readable orch database"):
            call()
    inbox.close()


def test_labels_that_are_not_json_are_damage(tmp_path):
    inbox = InboxTracker(tmp_path)
    inbox.create(IssueDraft("[orch] x", "body", "fp1", ("orch",), ""))
    inbox._db.execute("UPDATE issues SET labels = '[orch'")
    with pytest.raises(StoreProblem, match="labels that are not JSON"):
        inbox.find("fp1")
    inbox.close()


def test_issues_are_shown_and_closed_by_key_and_keep_each_label_once(tmp_path):
    """Issue 7 item 13: duplicate labels, and no way to show or close one issue."""
    inbox = InboxTracker(tmp_path)
    draft = IssueDraft("[orch] flaky: x", "the body", "fp1", ("orch", "flaky", "flaky"), "@qa")
    issue = inbox.create(draft)
    assert issue.labels == ("orch", "flaky")
    shown = inbox.issue("inbox-1")
    assert (shown.title, shown.body, shown.assignee) == ("[orch] flaky: x", "the body", "@qa")
    inbox.close_issue("1")
    assert inbox.issue(issue.key).issue.closed
    for key in ("INBOX-2", "JIRA-1", ""):
        with pytest.raises(ConfigError, match=f"no issue '{key}' in .*inbox.db; `orch inbox list`"):
            inbox.issue(key)
        with pytest.raises(ConfigError):
            inbox.close_issue(key)
    inbox.close()
