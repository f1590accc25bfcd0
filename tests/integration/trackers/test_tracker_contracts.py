"""Every IssueTracker (the fake, the inbox, Jira and GitHub against their local fake servers)
passes the same contract."""

from __future__ import annotations

import pytest
from fake_trackers import STATE_DIR, FakeGitHub, FakeJira

from orch.adapters.github import GitHubTracker
from orch.adapters.jira import JiraTracker
from orch.adapters.local.inbox import InboxTracker
from orch.testing.contracts import IssueTrackerContract
from orch.testing.fakes import FakeTracker


class TestFakeTracker(IssueTrackerContract):
    @pytest.fixture
    def tracker(self):
        return FakeTracker()

    @pytest.fixture
    def close(self, tracker):
        return tracker.close_issue


class TestInboxTracker(IssueTrackerContract):
    @pytest.fixture
    def tracker(self, tmp_path):
        inbox = InboxTracker(tmp_path)
        yield inbox
        inbox.close()

    @pytest.fixture
    def close(self, tracker):
        return tracker.close_issue


class TestJiraTracker(IssueTrackerContract):
    @pytest.fixture
    def tracker(self, fake_jira: FakeJira):
        return JiraTracker(STATE_DIR)

    @pytest.fixture
    def close(self, fake_jira: FakeJira):
        return fake_jira.close


class TestGitHubTracker(IssueTrackerContract):
    @pytest.fixture
    def tracker(self, fake_github: FakeGitHub):
        return GitHubTracker(STATE_DIR)

    @pytest.fixture
    def close(self, fake_github: FakeGitHub):
        return lambda key: fake_github.close(int(key))
