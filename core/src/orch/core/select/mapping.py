"""Mapping rules: ``{source: regex, tests: glob template}`` -- a changed file matching ``source``
selects the test files ``tests`` names (``{1}`` is the match's group 1)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from orch.core.select.context import AppContext
from orch.ports import AppImpact, ChangedFile


def by_mapping(context: AppContext, analysis: AppImpact, files: Sequence[ChangedFile]) -> None:
    """Add the tests each rule names for each changed file it matches."""
    if "mapping" not in context.strategies:
        return
    for index, rule in enumerate(context.app.select.mapping_rules, start=1):
        for change in files:
            match = re.fullmatch(rule.source, change.path)
            if match is None:
                continue
            pattern = expand(rule.tests, match)
            targets = [f for f in analysis.test_files() if fnmatch.fnmatch(f, pattern)]
            for target, nodeids in analysis.tests_in(targets).items():
                text = f"mapping rule {index}: {change.path} -> {target}"
                for nodeid in nodeids:
                    context.reasons.add(nodeid, target, "mapping", text)


def expand(template: str, match: re.Match[str]) -> str:
    """A mapping rule's ``tests`` template with ``{1}``, ``{2}``... filled from the match."""
    return re.sub(r"\{(\d+)\}", lambda m: match.group(int(m.group(1))) or "", template)
