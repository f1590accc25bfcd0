"""JiraTracker: files, finds, comments on and reopens orch issues in one Jira project.

Settings come from the environment only (``ORCH_JIRA_URL``, ``ORCH_JIRA_USER``,
``ORCH_JIRA_TOKEN``, ``ORCH_JIRA_PROJECT``), read with ``orch.ports.credentials.setting`` (the
``orch`` command moves the token out of its environment). A user and password in the URL are
dropped: the URL is shown in messages. The token is handed to the ``jira`` library and to
nothing else: every library error is turned into an ``EnvironmentProblem`` built from the status
code and the server's own error text, with the original exception suppressed, because the
library's ``JIRAError`` text includes the request headers (and so the Authorization header).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from orch.ports import ConfigError, EnvironmentProblem, IssueDraft, TrackedIssue
from orch.ports.credentials import setting
from orch.ports.network import call_service, without_credentials

if TYPE_CHECKING:  # the jira library and requests are imported on first use: listing the trackers
    from jira import JIRA  # loads this plugin, and importing them takes a good part of a second

T = TypeVar("T")

SETTINGS = ("ORCH_JIRA_URL", "ORCH_JIRA_USER", "ORCH_JIRA_TOKEN", "ORCH_JIRA_PROJECT")
REOPEN_NAMES = ("reopen", "reopen issue", "to do", "open", "backlog")
"""Transition names tried, in order, to bring a done issue back to an open state."""
TIMEOUT = 30.0


def fingerprint_label(fingerprint: str) -> str:
    """The label orch puts on every issue it files, so ``find`` can look it up exactly."""
    return f"orch-{fingerprint}"


def fingerprint_line(fingerprint: str) -> str:
    """The description line carrying the fingerprint (the fallback ``find`` searches for)."""
    return f"orch-fingerprint: {fingerprint}"


def _quote(text: str) -> str:
    """A JQL string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class JiraTracker:
    """The ``jira`` IssueTracker: one Jira project, reached with a user and an API token."""

    PLUGIN_NAME: ClassVar[str] = "jira"

    def __init__(self, state_dir: Path) -> None:
        """``state_dir`` is what every tracker is given (orch's state directory); a remote
        tracker keeps nothing there."""
        missing = [name for name in SETTINGS if not setting(name)]
        if missing:
            raise ConfigError(
                f"jira tracker: environment variable {missing[0]} is not set "
                f"(it needs {', '.join(SETTINGS)})"
            )
        self.url = without_credentials(setting("ORCH_JIRA_URL")).rstrip("/")
        self.project = setting("ORCH_JIRA_PROJECT")
        self._user = setting("ORCH_JIRA_USER")
        self._token = setting("ORCH_JIRA_TOKEN")

    def __repr__(self) -> str:
        return f"JiraTracker(url={self.url!r}, project={self.project!r})"

    @cached_property
    def _jira(self) -> JIRA:
        """The client, connected on first use (no retries: triage files again on the next run)."""
        from jira import JIRA

        return self._call(
            lambda: JIRA(
                self.url,
                basic_auth=(self._user, self._token),
                max_retries=0,
                timeout=TIMEOUT,
            )
        )

    def find(self, fingerprint: str) -> TrackedIssue | None:
        """The newest issue of the project carrying the fingerprint's label (or its line)."""
        label = _quote(fingerprint_label(fingerprint))
        jql = (
            f"project = {_quote(self.project)} AND (labels = {label}"
            f" OR description ~ {_quote(_quote(fingerprint_line(fingerprint)))})"
            " ORDER BY created DESC"
        )
        found = self._call(
            lambda: self._jira.search_issues(
                jql, maxResults=1, fields="status,labels", json_result=True
            )
        )
        issues = found["issues"] if isinstance(found, dict) else []
        if not issues:
            return None
        return self._tracked(issues[0], fingerprint)

    def create(self, draft: IssueDraft) -> TrackedIssue:
        """File a bug with the draft's title, body (plus the fingerprint line) and labels."""
        labels = list(dict.fromkeys([*draft.labels, fingerprint_label(draft.fingerprint)]))
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "issuetype": {"name": "Bug"},
            "summary": draft.title,
            "description": f"{draft.body}\n\n{fingerprint_line(draft.fingerprint)}",
            "labels": labels,
        }
        if draft.assignee:
            fields["assignee"] = self._user_ref(draft.assignee)
        created = self._call(lambda: self._jira.create_issue(fields=fields, prefetch=False))
        return TrackedIssue(
            key=created.key,
            url=self._browse(created.key),
            fingerprint=draft.fingerprint,
            labels=tuple(labels),
        )

    def comment(self, issue: TrackedIssue, body: str) -> None:
        """Add a comment (a new occurrence of the failure) to the issue."""
        self._call(lambda: self._jira.add_comment(issue.key, body))

    def reopen(self, issue: TrackedIssue, labels: Sequence[str] = ()) -> TrackedIssue:
        """Move a done issue back to an open state and add ``labels`` (e.g. ``regression``)."""
        current = self._call(lambda: self._jira.issue(issue.key, fields="status,labels"))
        if _is_done(current.raw["fields"]):
            self._transition_to_open(issue.key)
        have = list(current.raw["fields"].get("labels") or [])
        added = [label for label in dict.fromkeys(labels) if label not in have]
        if added:
            update = {"labels": [{"add": label} for label in added]}
            self._call(lambda: current.update(update=update))
        return TrackedIssue(
            key=issue.key,
            url=issue.url or self._browse(issue.key),
            fingerprint=issue.fingerprint,
            closed=False,
            labels=tuple(have + added),
        )

    def _transition_to_open(self, key: str) -> None:
        transitions: list[dict[str, Any]] = self._call(lambda: self._jira.transitions(key))
        by_name = {t["name"].strip().lower(): t for t in transitions}
        chosen = next((by_name[name] for name in REOPEN_NAMES if name in by_name), None)
        if chosen is None:
            chosen = next(
                (t for t in transitions if _category(t.get("to", {})) in ("new", "indeterminate")),
                None,
            )
        if chosen is None:
            names = ", ".join(t["name"] for t in transitions) or "none"
            raise EnvironmentProblem(
                f"jira at {self.url}: issue {key} has no transition to an open state "
                f"(available: {names}); add a 'Reopen' transition to the workflow"
            )
        self._call(lambda: self._jira.transition_issue(key, chosen["id"]))

    def _user_ref(self, user: str) -> dict[str, str]:
        """Jira Cloud names users by account id, Jira Server/Data Center by user name."""
        return {"accountId": user} if self._jira._is_cloud else {"name": user}

    def _browse(self, key: str) -> str:
        return f"{self.url}/browse/{key}"

    def _tracked(self, raw: dict[str, Any], fingerprint: str) -> TrackedIssue:
        fields = raw.get("fields") or {}
        return TrackedIssue(
            key=raw["key"],
            url=self._browse(raw["key"]),
            fingerprint=fingerprint,
            closed=_is_done(fields),
            labels=tuple(fields.get("labels") or ()),
        )

    def _call(self, action: Callable[[], T]) -> T:
        import requests

        from jira import JIRAError

        return call_service(
            action,
            service="jira",
            url=self.url,
            http_error=JIRAError,
            describe=lambda error: _http_problem(error.status_code, error.text),
            network_error=requests.RequestException,
            timeouts=(requests.Timeout,),
            seconds=TIMEOUT,
        )


def _http_problem(status: int | None, text: str | None) -> str:
    if status in (401, 403):
        return f"HTTP {status} (check ORCH_JIRA_USER and ORCH_JIRA_TOKEN)"
    detail = (text or "").strip().splitlines()[0][:200] if (text or "").strip() else "no details"
    return f"HTTP {status}: {detail}" if status is not None else detail


def _category(status: dict[str, Any]) -> str:
    return str((status.get("statusCategory") or {}).get("key", ""))


def _is_done(fields: dict[str, Any]) -> bool:
    return _category(fields.get("status") or {}) == "done"
