"""Local fake Jira and GitHub servers on 127.0.0.1 that the real client libraries talk HTTP to.

Each implements only the endpoints the orch adapters use, keeps issues in memory, records every
request (method, path, headers, JSON body) and answers 401 unless the expected credentials come.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from attrs import define, field

from orch.ports import IssueDraft

JIRA_USER, JIRA_TOKEN = "qa-bot", "jira-s3cret-token-5f1e"
STATE_DIR = Path(".orch")
"""What the composition root gives every tracker; the remote ones keep nothing there."""
GITHUB_TOKEN = "ghp_s3cretGitHubToken0123456789"

Reply = tuple[int, Any]


@define
class Recorded:
    """One request the fake server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@define
class FakeServer:
    """An HTTP server in a thread; ``route`` answers (method, path, query, body) with a reply."""

    route: Callable[[Recorded], Reply]
    authorized: Callable[[dict[str, str]], bool]
    requests: list[Recorded] = field(factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw.strip() else None
                request = Recorded(
                    self.command, split.path, parse_qs(split.query), dict(self.headers), body
                )
                fake.requests.append(request)
                if fake.authorized(request.headers):
                    status, payload = fake.route(request)
                else:
                    status, payload = 401, {"message": "Bad credentials", "errorMessages": []}
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = _handle

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test reads ``requests`` instead."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class FakeJira:
    """Jira REST v2: serverInfo, field, search, issue create/get/edit, comment, transitions."""

    OPEN = {"name": "To Do", "statusCategory": {"key": "new"}}
    DONE = {"name": "Done", "statusCategory": {"key": "done"}}
    TRANSITIONS = {
        "open": [{"id": "31", "name": "Done", "to": DONE}],
        "done": [{"id": "41", "name": "Reopen", "to": OPEN}],
    }

    def __init__(self) -> None:
        self.issues: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[str]] = {}
        self.server = FakeServer(self.route, self.authorized)

    @staticmethod
    def authorized(headers: dict[str, str]) -> bool:
        expected = base64.b64encode(f"{JIRA_USER}:{JIRA_TOKEN}".encode()).decode()
        return headers.get("Authorization") == f"Basic {expected}"

    def close(self, key: str) -> None:
        self.issues[key]["fields"]["status"] = self.DONE

    def route(self, r: Recorded) -> Reply:
        api = "/rest/api/2/"
        path = r.path.removeprefix(api)
        if (r.method, path) == ("GET", "serverInfo"):
            return 200, {"versionNumbers": [9, 12, 0], "deploymentType": "Server"}
        if (r.method, path) == ("GET", "field"):
            return 200, [{"id": "labels", "name": "Labels", "clauseNames": ["labels"]}]
        if (r.method, path) == ("GET", "search"):
            return 200, self.search(r.query["jql"][0], int(r.query.get("maxResults", ["50"])[0]))
        if (r.method, path) == ("POST", "issue"):
            return self.create(r.body["fields"])
        match = re.fullmatch(r"issue/([A-Z]+-\d+)(/comment|/transitions)?", path)
        if match is None or match[1] not in self.issues:
            return 404, {"errorMessages": ["Issue does not exist"], "errors": {}}
        key, sub, issue = match[1], match[2], self.issues[match[1]]
        if (r.method, sub) == ("GET", None):
            return 200, issue
        if (r.method, sub) == ("PUT", None):
            for change in r.body.get("update", {}).get("labels", []):
                issue["fields"]["labels"].append(change["add"])
            return 204, None
        if (r.method, sub) == ("POST", "/comment"):
            self.comments[key].append(r.body["body"])
            return 201, {"id": str(len(self.comments[key])), "body": r.body["body"]}
        state = "done" if issue["fields"]["status"] is self.DONE else "open"
        if (r.method, sub) == ("GET", "/transitions"):
            return 200, {"transitions": self.TRANSITIONS[state]}
        if (r.method, sub) == ("POST", "/transitions"):
            chosen = {t["id"]: t for t in self.TRANSITIONS[state]}[str(r.body["transition"]["id"])]
            issue["fields"]["status"] = chosen["to"]
            return 204, None
        return 405, {"errorMessages": ["method not allowed"]}

    def create(self, fields: dict[str, Any]) -> Reply:
        key = f"{fields['project']['key']}-{len(self.issues) + 1}"
        self.issues[key] = {
            "id": str(10000 + len(self.issues)),
            "key": key,
            "self": f"{self.server.url}/rest/api/2/issue/{key}",
            "fields": {**fields, "labels": list(fields["labels"]), "status": self.OPEN},
        }
        self.comments[key] = []
        return 201, {k: self.issues[key][k] for k in ("id", "key", "self")}

    def search(self, jql: str, limit: int) -> dict[str, Any]:
        """Understands what the adapter sends: project, labels = "x" OR description ~ "y"."""
        project = re.search(r'project = "([^"]+)"', jql)
        label = re.search(r'labels = "([^"]+)"', jql)
        text = re.search(r'description ~ "\\"(.+?)\\""', jql)
        hits = [
            issue
            for issue in reversed(self.issues.values())
            if project
            and issue["key"].startswith(project[1] + "-")
            and (
                (label and label[1] in issue["fields"]["labels"])
                or (text and text[1] in issue["fields"].get("description", ""))
            )
        ]
        return {"startAt": 0, "maxResults": limit, "total": len(hits), "issues": hits[:limit]}


class FakeGitHub:
    """GitHub REST: repos/{o}/{r}, issues list (label filter), create, get, update, comments."""

    REPO = "acme/shop"

    def __init__(self) -> None:
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[str]] = {}
        self.server = FakeServer(self.route, self.authorized)

    @staticmethod
    def authorized(headers: dict[str, str]) -> bool:
        return headers.get("Authorization") in (f"token {GITHUB_TOKEN}", f"Bearer {GITHUB_TOKEN}")

    def close(self, number: int) -> None:
        self.issues[number]["state"] = "closed"

    def route(self, r: Recorded) -> Reply:
        base = f"/repos/{self.REPO}"
        if not r.path.startswith(base):
            return 404, {"message": "Not Found"}
        path = r.path.removeprefix(base)
        if (r.method, path) == ("GET", ""):
            url = self.server.url
            return 200, {
                "id": 1,
                "name": "shop",
                "full_name": self.REPO,
                "url": f"{url}{base}",
                "html_url": f"https://github.example/{self.REPO}",
            }
        if (r.method, path) == ("GET", "/issues"):
            return 200, self.listing(r.query)
        if (r.method, path) == ("POST", "/issues"):
            return 201, self.create(r.body)
        match = re.fullmatch(r"/issues/(\d+)(/comments)?", path)
        if match is None or int(match[1]) not in self.issues:
            return 404, {"message": "Not Found"}
        number, issue = int(match[1]), self.issues[int(match[1])]
        if (r.method, match[2]) == ("GET", None):
            return 200, issue
        if (r.method, match[2]) == ("PATCH", None):
            if "state" in r.body:
                issue["state"] = r.body["state"]
            if "labels" in r.body:
                issue["labels"] = [{"name": name} for name in r.body["labels"]]
            return 200, issue
        if (r.method, match[2]) == ("POST", "/comments"):
            self.comments[number].append(r.body["body"])
            return 201, {"id": len(self.comments[number]), "body": r.body["body"]}
        return 405, {"message": "method not allowed"}

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        number = len(self.issues) + 1
        api = f"{self.server.url}/repos/{self.REPO}/issues/{number}"
        assignees = [{"login": login} for login in body.get("assignees", [])]
        self.issues[number] = {
            "id": 500 + number,
            "number": number,
            "url": api,
            "html_url": f"https://github.example/{self.REPO}/issues/{number}",
            "title": body["title"],
            "body": body.get("body", ""),
            "state": "open",
            "labels": [{"name": name} for name in body.get("labels", [])],
            "assignees": assignees,
            "assignee": assignees[0] if assignees else None,
        }
        self.comments[number] = []
        return self.issues[number]

    def listing(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        state = query.get("state", ["open"])[0]
        wanted = set(query["labels"][0].split(",")) if "labels" in query else set()
        hits = [
            issue
            for issue in self.issues.values()
            if state in ("all", issue["state"])
            and wanted <= {label["name"] for label in issue["labels"]}
        ]
        return sorted(hits, key=lambda i: i["number"], reverse=query.get("direction") == ["desc"])


DRAFT = IssueDraft(
    title="payment-service: refund fails with KeyError",
    body="3 tests fail the same way.",
    fingerprint="a1b2c3d4",
    labels=("orch", "database_connection"),
    assignee="payments-lead",
)
"""The issue draft the tracker tests file."""


def everything_said(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    """All an error shows a user: its traceback, its repr and the logs around it."""
    return "".join(traceback.format_exception(error)) + repr(error) + caplog.text
