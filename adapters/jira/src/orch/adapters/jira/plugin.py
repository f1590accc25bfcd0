"""pluggy registration of the Jira adapter: the module the ``orch`` entry point ``jira`` names."""

from __future__ import annotations

from orch.adapters.jira.tracker import JiraTracker
from orch.ports import hookimpl


@hookimpl
def orch_register_issue_trackers() -> list[type]:
    """Provide JiraTracker as the ``jira`` IssueTracker."""
    return [JiraTracker]
