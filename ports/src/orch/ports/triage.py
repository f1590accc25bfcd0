"""The workflow's ``triage`` block as values: category rules, CODEOWNERS rules, routing.

The workflow loader reads and checks them (every regex compiles, every path pattern is one
CODEOWNERS supports); the triage use case matches failures against them. Both meet on these
values, so neither imports the other. Defect types are ReportPortal's five.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from attrs import field, frozen

PRODUCT_BUG = "product_bug"
AUTOMATION_BUG = "automation_bug"
ENVIRONMENT_ISSUE = "environment_issue"
FLAKY = "flaky"
TO_INVESTIGATE = "to_investigate"
DEFECT_TYPES = (PRODUCT_BUG, AUTOMATION_BUG, ENVIRONMENT_ISSUE, FLAKY, TO_INVESTIGATE)


def _strings(values: Sequence[str] | str) -> tuple[str, ...]:
    """A lone string is one value, never its characters."""
    return (values,) if isinstance(values, str) else tuple(values)


@frozen
class CategoryRule:
    """A user's category: a failure is in it when every condition given holds.

    ``patterns`` are searched in message, trace and logs (any one suffices); ``message``,
    ``trace``, ``logs`` and ``exception_type`` are searched in that text only; ``path`` is a glob
    on the test id, nodeid or file; ``outcomes`` limits the outcomes (their values). Regexes are
    user patterns: searched under a time budget, skipped once one blows it. ``source`` says where
    the rule is configured (``orch.yaml: $.triage.categories[0]``); ``allure`` that it came from
    an Allure ``categories.json``, whose keys are ``messageRegex`` and ``traceRegex``.
    """

    name: str
    patterns: tuple[str, ...] = field(default=(), converter=_strings)
    message: str = ""
    trace: str = ""
    logs: str = ""
    exception_type: str = ""
    path: str = ""
    outcomes: tuple[str, ...] = field(default=(), converter=_strings)
    defect_type: str = TO_INVESTIGATE
    hint: str = ""
    source: str = ""
    allure: bool = field(default=False, repr=False)


@frozen
class OwnerRule:
    """One CODEOWNERS line: a path pattern and its owners (line number kept for messages)."""

    pattern: str
    owners: tuple[str, ...]
    line: int


@frozen
class Routing:
    """How failures are assigned: ``categories`` maps a category to a team (the workflow's
    ``routing:``), ``owners`` are CODEOWNERS rules, ``fallback`` gets everything else."""

    categories: Mapping[str, str] = {}
    owners: tuple[OwnerRule, ...] = ()
    fallback: str = ""


@frozen
class TriageSettings:
    """The workflow's ``triage`` block: category rules (user rules first) and routing."""

    rules: tuple[CategoryRule, ...] = ()
    routing: Routing = Routing()
