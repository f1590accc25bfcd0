"""Registers the JavaScript change analysis with orch (entry point ``orch`` → ``node``)."""

from __future__ import annotations

from orch.adapters.node.impact import NodeImpact
from orch.ports import hookimpl


@hookimpl
def orch_register_change_impact() -> list[type]:
    """ES module and CommonJS imports and node's test files, for apps with a package.json."""
    return [NodeImpact]
