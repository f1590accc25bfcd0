"""orch.adapters.github: orch's IssueTracker adapter for GitHub Issues (via PyGithub)."""

from orch.adapters.github.tracker import GitHubTracker

__all__ = ["GitHubTracker"]
