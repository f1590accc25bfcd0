"""The git adapter loads through the ``orch`` entry-point group like any third-party adapter."""

from __future__ import annotations

import pluggy

from orch.adapters.git import GitVcs
from orch.ports import Vcs, hooks


def test_the_git_entry_point_registers_git_vcs() -> None:
    manager = pluggy.PluginManager(hooks.PROJECT)
    manager.add_hookspecs(hooks)
    assert manager.load_setuptools_entrypoints(hooks.PROJECT, name="git") == 1
    assert manager.hook.orch_register_vcs() == [[GitVcs]]
    assert GitVcs.PLUGIN_NAME == "git"
    assert isinstance(GitVcs(), Vcs)
