"""pluggy registration of the git adapter: the module the ``orch`` entry point ``git`` names."""

from __future__ import annotations

from orch.adapters.git.vcs import GitVcs
from orch.ports import hookimpl


@hookimpl
def orch_register_vcs() -> list[type]:
    """Provide GitVcs as the ``git`` Vcs."""
    return [GitVcs]
