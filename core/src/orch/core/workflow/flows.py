"""The meaning of the file's ``cross_app_tests`` block: every flow read over the file's
applications (``orch.core.shared.flow_spec``: steps, hand-offs, conditions, cycles, each at its
JSON path)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orch.core.shared.documents import join_path, split_problem
from orch.core.shared.flow_spec import flow_from
from orch.ports.flows import FlowSpec


def read_flows(
    written: Mapping[str, Any], apps: Sequence[str]
) -> tuple[list[FlowSpec], list[tuple[str, str]]]:
    """Each flow of the block, and the problems of those that are wrong."""
    flows: list[FlowSpec] = []
    problems: list[tuple[str, str]] = []
    for name, given in written.items():
        flow, lines = flow_from(str(name), given, join_path("$.cross_app_tests", str(name)), apps)
        problems.extend(split_problem(line) for line in lines)
        if flow is not None:
            flows.append(flow)
    return flows, problems
