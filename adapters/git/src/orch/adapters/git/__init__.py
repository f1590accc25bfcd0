"""orch.adapters.git: orch's Vcs adapter over the git command line."""

from orch.adapters.git.vcs import GitVcs

__all__ = ["GitVcs"]
