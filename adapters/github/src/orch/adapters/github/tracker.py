"""GitHubTracker: files, finds, comments on and reopens orch issues in one GitHub repository.

Settings come from the environment only: ``ORCH_GITHUB_TOKEN``, ``ORCH_GITHUB_REPO``
(``owner/name``), optionally ``ORCH_GITHUB_API_URL`` (GitHub Enterprise, or a local server in
tests) and ``ORCH_GITHUB_WRITE_INTERVAL`` (seconds between writes, default 1 as GitHub asks),
read with ``orch.ports.credentials.setting`` (the ``orch`` command moves the token out of its
environment); a user and password in the API URL are dropped, as the URL is shown in messages.
Library errors become one-line ``EnvironmentProblem``s built from the status code and GitHub's
message, never from the request, so the token cannot leak into them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeVar

from orch.ports import ConfigError, IssueDraft, TrackedIssue
from orch.ports.credentials import setting
from orch.ports.network import call_service, without_credentials

if TYPE_CHECKING:  # PyGithub and requests are imported on first use: listing the trackers loads
    from github import GithubException  # this plugin, and importing them takes most of a second
    from github.Issue import Issue
    from github.Repository import Repository

T = TypeVar("T")

DEFAULT_API_URL = "https://api.github.com"
TIMEOUT = 30


def fingerprint_label(fingerprint: str) -> str:
    """The label orch puts on every issue it files, so ``find`` can look it up exactly."""
    return f"orch-{fingerprint}"


def fingerprint_line(fingerprint: str) -> str:
    """The body line carrying the fingerprint, for people reading the issue."""
    return f"orch-fingerprint: {fingerprint}"


def _required(name: str) -> str:
    value = setting(name)
    if not value:
        raise ConfigError(
            f"github tracker: environment variable {name} is not set "
            "(it needs ORCH_GITHUB_TOKEN and ORCH_GITHUB_REPO=owner/name)"
        )
    return value


class GitHubTracker:
    """The ``github`` IssueTracker: the issues of one repository, reached with a token."""

    PLUGIN_NAME: ClassVar[str] = "github"

    def __init__(self, state_dir: Path) -> None:
        """``state_dir`` is what every tracker is given (orch's state directory); a remote
        tracker keeps nothing there."""
        self._token = _required("ORCH_GITHUB_TOKEN")
        self.repo = _required("ORCH_GITHUB_REPO")
        if self.repo.count("/") != 1 or not all(self.repo.split("/")):
            raise ConfigError(
                f"github tracker: ORCH_GITHUB_REPO is {self.repo!r}; write it as owner/name"
            )
        api_url = setting("ORCH_GITHUB_API_URL") or DEFAULT_API_URL
        self.api_url = without_credentials(api_url).rstrip("/")
        interval = setting("ORCH_GITHUB_WRITE_INTERVAL") or "1"
        try:
            self.write_interval = float(interval)
        except ValueError:
            raise ConfigError(
                f"github tracker: ORCH_GITHUB_WRITE_INTERVAL is {interval!r}; give seconds"
            ) from None

    def __repr__(self) -> str:
        return f"GitHubTracker(api_url={self.api_url!r}, repo={self.repo!r})"

    @cached_property
    def _repository(self) -> Repository:
        """The repository, looked up on first use (no retries: triage files again next run)."""
        from github import Auth, Github

        client = Github(
            auth=Auth.Token(self._token),
            base_url=self.api_url,
            timeout=TIMEOUT,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=self.write_interval or None,
        )
        return self._call(lambda: client.get_repo(self.repo))

    def find(self, fingerprint: str) -> TrackedIssue | None:
        """The newest issue (open or closed) carrying the fingerprint's label."""
        label = fingerprint_label(fingerprint)

        def newest() -> Issue | None:
            issues = self._repository.get_issues(
                state="all", labels=[label], sort="created", direction="desc"
            )
            return next((i for i in issues if i.pull_request is None), None)

        found = self._call(newest)
        return None if found is None else self._tracked(found, fingerprint)

    def create(self, draft: IssueDraft) -> TrackedIssue:
        """Open an issue with the draft's title, body (plus the fingerprint line) and labels."""
        labels = list(dict.fromkeys([*draft.labels, fingerprint_label(draft.fingerprint)]))
        body = f"{draft.body}\n\n{fingerprint_line(draft.fingerprint)}"
        assignees = [draft.assignee] if draft.assignee else []
        created = self._call(
            lambda: self._repository.create_issue(
                title=draft.title, body=body, labels=labels, assignees=assignees
            )
        )
        return self._tracked(created, draft.fingerprint)

    def comment(self, issue: TrackedIssue, body: str) -> None:
        """Add a comment (a new occurrence of the failure) to the issue."""
        self._call(lambda: self._issue(issue).create_comment(body))

    def reopen(self, issue: TrackedIssue, labels: Sequence[str] = ()) -> TrackedIssue:
        """Set the issue's state to open and add ``labels`` (e.g. ``regression``)."""
        found = self._issue(issue)

        def edit() -> None:
            current = [label.name for label in found.labels]
            found.edit(state="open", labels=list(dict.fromkeys([*current, *labels])))

        self._call(edit)
        return self._tracked(found, issue.fingerprint)

    def _issue(self, issue: TrackedIssue) -> Issue:
        try:
            number = int(issue.key.lstrip("#"))
        except ValueError:
            raise ConfigError(f"github tracker: {issue.key!r} is not an issue number") from None
        return self._call(lambda: self._repository.get_issue(number))

    @staticmethod
    def _tracked(issue: Issue, fingerprint: str) -> TrackedIssue:
        return TrackedIssue(
            key=str(issue.number),
            url=issue.html_url,
            fingerprint=fingerprint,
            closed=issue.state == "closed",
            labels=tuple(label.name for label in issue.labels),
        )

    def _call(self, action: Callable[[], T]) -> T:
        import requests

        from github import GithubException

        return call_service(
            action,
            service="github",
            url=self.api_url,
            http_error=GithubException,
            describe=self._http_problem,
            network_error=requests.RequestException,
            timeouts=(requests.Timeout,),
            seconds=TIMEOUT,
        )

    def _http_problem(self, error: GithubException) -> str:
        status = error.status
        if status == 401:
            return "HTTP 401 (check ORCH_GITHUB_TOKEN)"
        if status == 403:
            return "HTTP 403 (the token lacks access to issues, or a rate limit was hit)"
        if status == 404:
            return f"HTTP 404 (no repository {self.repo}, or ORCH_GITHUB_TOKEN cannot see it)"
        message = error.data.get("message") if isinstance(error.data, dict) else None
        return f"HTTP {status}: {str(message or 'no details')[:200]}"
