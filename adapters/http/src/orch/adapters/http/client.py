"""The few HTTP calls the ``http`` sink makes to an application's API (POST a record, GET it,
DELETE it), with stdlib ``urllib``, and the one-line account of an answer that went wrong: its
status and a bounded, escaped excerpt of its body, with the token taken out."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from attrs import frozen

EXCERPT = 200
"""How many characters of an API's answer an error quotes."""


class ApiError(Exception):
    """A call the API refused (``status`` > 0) or that reached no API (``status`` 0)."""

    def __init__(self, method: str, url: str, status: int, detail: str) -> None:
        said = f"answered {status}: {detail}" if status else f"failed: {detail}"
        super().__init__(f"{method} {url} {said}")
        self.status = status


def excerpt(body: bytes, secret: str | None) -> str:
    """The start of ``body`` as one escaped line, ``secret`` replaced by ``***``."""
    text = body[: EXCERPT * 4].decode("utf-8", "replace")
    if secret:
        text = text.replace(secret, "***")
    cut = text[:EXCERPT] + ("..." if len(text) > EXCERPT else "")
    return json.dumps(cut)


@frozen
class Api:
    """An application's API at ``base`` (``http://127.0.0.1:8000``), sending ``token`` (if any)
    as ``Authorization: Bearer``."""

    base: str
    token: str | None = None
    timeout: float = 10.0

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base.rstrip("/") + "/", path.lstrip("/"))

    def post(self, path: str, record: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """The record the API made from ``record`` (its answer's JSON) and its ``Location``."""
        body, location = self._call("POST", self.url(path), record)
        try:
            made = json.loads(body) if body.strip() else {}
        except ValueError as error:
            raise ApiError(
                "POST", self.url(path), 0, f"its answer is not JSON: {excerpt(body, self.token)}"
            ) from error
        where = urllib.parse.urljoin(self.url(path), location) if location else None
        return (made if isinstance(made, dict) else {}), where

    def get(self, url: str) -> dict[str, Any] | None:
        """The record at ``url`` now; None if the API has none there (404)."""
        try:
            body, _location = self._call("GET", url)
        except ApiError as error:
            if error.status in (404, 410):
                return None
            raise
        answer = json.loads(body)
        return answer if isinstance(answer, dict) else None

    def delete(self, url: str) -> None:
        """Delete the record at ``url``; one already gone (404, 410) is no error."""
        try:
            self._call("DELETE", url)
        except ApiError as error:
            if error.status not in (404, 410):
                raise

    def _call(self, method: str, url: str, record: Any = None) -> tuple[bytes, str | None]:
        headers = {"Accept": "application/json"}
        data = None
        if record is not None:
            data = json.dumps(record, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return answer.read(), answer.headers.get("Location")
        except urllib.error.HTTPError as error:
            raise ApiError(method, url, error.code, excerpt(error.read(), self.token)) from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ApiError(
                method, url, 0, f"{reason}; is the application up at {self.base}?"
            ) from error
