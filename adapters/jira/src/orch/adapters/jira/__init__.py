"""orch.adapters.jira: orch's IssueTracker adapter for Jira (REST API v2, ``jira`` library)."""

from orch.adapters.jira.tracker import JiraTracker

__all__ = ["JiraTracker"]
