"""pluggy registration of the GitHub adapter (the module the entry point ``github`` names)."""

from __future__ import annotations

from orch.adapters.github.tracker import GitHubTracker
from orch.ports import hookimpl


@hookimpl
def orch_register_issue_trackers() -> list[type]:
    """Provide GitHubTracker as the ``github`` IssueTracker."""
    return [GitHubTracker]
