"""Waiting, before a step starts, until the state it crosses holds (``wait_for:``, see
``orch.ports.conditions``), so a flow does not race the asynchronous work of its systems.

The conditions of a wait are checked in the order written, each every ``interval`` seconds from
when its turn comes until it holds or its ``timeout`` passes; then the next. All of it runs on a
daemon thread: the run's loop is single-threaded, polls ``done()`` and never blocks on a wait,
and a killed run does not wait for one. HTTP is asked from this machine, as the step's test will
ask; files and logs are read as they are; SQL goes through the ``SqlProbe`` port. ``problem`` is
one line saying which condition did not hold and what it last saw, with no password in it.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from attrs import frozen

from orch.core.shared.documents import describe
from orch.core.shared.patterns import UserPattern
from orch.core.shared.redaction import Redactor
from orch.ports.conditions import (
    FileCondition,
    HttpCondition,
    JsonField,
    LogCondition,
    Scalar,
    SqlCondition,
    SqlProbe,
    SqlProbeError,
    StateCondition,
    WaitFor,
)

HTTP_TIMEOUT = 2.0
"""Seconds one HTTP check may take: a server that hangs is asked again, and a cancelled wait
ends within this."""
MAX_BODY = 1 << 20
"""Bytes of an HTTP answer read for its JSON fields."""
MAX_FILE = 64 << 20
"""Bytes of a file condition's file searched for its line."""
MAX_LINE = 1 << 20
"""Bytes kept of a log's last line while it has no end yet."""
CHUNK = 1 << 20


@frozen
class Seen:
    """What one check of a condition found: whether it holds, and if not, what it saw
    (``answered 404 (wanted 200)``)."""

    held: bool
    saw: str = ""


Check = Callable[[float], Seen]
"""One check of a condition, given the seconds left before its timeout."""


class Waiting:
    """One wait, on a thread of its own once started: ``done()`` says whether it ended,
    ``problem`` (once done) why not every condition held, None when all did."""

    def __init__(
        self,
        conditions: WaitFor,
        sql_probe: SqlProbe | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``ValueError`` when a condition cannot be checked at all (an sql one without a probe
        or with its ``dsn_env`` not resolved, a pattern that does not compile)."""
        self._clock = clock
        self._redactor = Redactor(_passwords(conditions))
        try:
            self._checks = [(c, _checker(c, sql_probe)) for c in conditions]
        except ValueError as error:
            raise ValueError(self._redactor.text(str(error))) from None
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._problem: str | None = None
        self._thread = threading.Thread(target=self._run, name="orch-wait-for", daemon=True)

    def start(self) -> Waiting:
        """Begin checking; returns at once."""
        self._thread.start()
        return self

    def done(self) -> bool:
        """Whether the wait ended: every condition held, one timed out, or it was cancelled."""
        return self._finished.is_set()

    @property
    def problem(self) -> str | None:
        """Once ``done()``: None when every condition held, else the one line saying which did
        not (or that the wait was cancelled) and what it last saw."""
        return self._problem

    def cancel(self) -> None:
        """Stop waiting: the thread ends at once when it sleeps between checks, or after the
        check under way (at most ``HTTP_TIMEOUT``, or the probe's timeouts). Never blocks."""
        self._stop.set()

    def _run(self) -> None:
        current = "the wait"
        try:
            for condition, check in self._checks:
                current = _described(condition)
                self._problem = self._await(condition, check)
                if self._problem is not None:
                    break
        except Exception as error:  # a probe's bug must end the wait with its line, not hang it
            self._problem = f"{current}: the check failed: {type(error).__name__}: {error}"
        finally:
            if self._problem is not None:
                self._problem = self._redactor.text(" ".join(self._problem.split()))
            self._finished.set()

    def _await(self, condition: StateCondition, check: Check) -> str | None:
        deadline = self._clock() + condition.timeout
        seen = None
        while not self._stop.is_set():
            seen = check(deadline - self._clock())
            if seen.held:
                return None
            left = deadline - self._clock()
            if left <= 0:
                return f"{_described(condition)} {seen.saw} for {condition.timeout:g}s"
            self._stop.wait(min(condition.interval, left))
        if seen is None:
            return f"wait cancelled before {_described(condition)} was checked"
        return f"wait cancelled: {_described(condition)} {seen.saw}"


def _described(condition: StateCondition) -> str:
    """How a problem names ``condition``: ``GET http://...``, ``sql '...' on $PAYMENTS_DSN``,
    ``file /tmp/export.csv``, ``log /var/log/app.log`` (passwords are masked after)."""
    if isinstance(condition, HttpCondition):
        return f"{condition.method} {condition.url}"
    if isinstance(condition, SqlCondition):
        on = f"${condition.dsn_env}" if condition.dsn_env else condition.dsn
        return f"sql {describe(condition.query)} on {on}"
    if isinstance(condition, FileCondition):
        return f"file {condition.path}"
    return f"log {condition.path}"


def _checker(condition: StateCondition, probe: SqlProbe | None) -> Check:
    if isinstance(condition, HttpCondition):
        return lambda left: _http(condition, left)
    if isinstance(condition, SqlCondition):
        if probe is None or not condition.dsn:
            why = "no SqlProbe was given" if probe is None else "resolve its dsn_env first"
            raise ValueError(f"{_described(condition)}: cannot be checked: {why}")
        return lambda _left: _sql(condition, probe)
    if isinstance(condition, FileCondition):
        pattern = _compiled(condition.contains, condition.path)
        return lambda _left: _file(condition, pattern)
    return _LogLines(condition)


def _http(condition: HttpCondition, left: float) -> Seen:
    parts = urlsplit(condition.url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    timeout = max(0.05, min(HTTP_TIMEOUT, left))
    connection = kind(parts.hostname or "", parts.port, timeout=timeout)
    headers = {"Accept": "application/json"} if condition.fields else {}
    if parts.username is not None:
        login = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(login).decode("ascii")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(condition.method, target, headers=headers)
        response = connection.getresponse()
        body = response.read(MAX_BODY + 1) if condition.fields else b""
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Seen(False, f"did not answer ({_reason(error)})")
    finally:
        connection.close()
    if response.status not in condition.status:
        wanted = " or ".join(str(status) for status in condition.status)
        return Seen(False, f"answered {response.status} (wanted {wanted})")
    return _fields_seen(condition.fields, body, f"answered {response.status}")


def _fields_seen(fields: tuple[JsonField, ...], body: bytes, answered: str) -> Seen:
    if not fields:
        return Seen(True)
    if len(body) > MAX_BODY:
        return Seen(False, f"{answered} with a body over {MAX_BODY:,} bytes")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return Seen(False, f"{answered} with a body that is not JSON")
    for field in fields:
        value: Any = document
        for key in field.path:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and key.isascii() and key.isdigit():
                value = value[int(key)] if int(key) < len(value) else _MISSING
            else:
                value = _MISSING
                break
        if value is _MISSING:
            return Seen(False, f"{answered} without the field {field}")
        if not _same(value, field.value):
            wanted = _shown(field.value)
            return Seen(False, f"{answered} with {field} {_shown(value)} (wanted {wanted})")
    return Seen(True)


_MISSING = object()


def _sql(condition: SqlCondition, probe: SqlProbe) -> Seen:
    try:
        rows = probe.rows(condition.dsn, condition.query)
    except SqlProbeError as error:
        return Seen(False, f"failed ({error})")
    if not rows:
        return Seen(False, "returned no rows")
    firsts = [row[0] if row else None for row in rows]
    if not condition.accepted or any(
        _same(value, wanted, as_text=True) for value in firsts for wanted in condition.accepted
    ):
        return Seen(True)
    wanted = " or ".join(_shown(value) for value in condition.accepted)
    if len(rows) == 1:
        return Seen(
            False, f"returned one row, its first column {_shown(firsts[0])} (wanted {wanted})"
        )
    return Seen(
        False,
        f"returned {len(rows)} rows, none whose first column is {wanted} "
        f"(the first: {_shown(firsts[0])})",
    )


def _file(condition: FileCondition, pattern: UserPattern | None) -> Seen:
    path = Path(condition.path)
    try:
        if pattern is None:
            path.stat()
            return Seen(True)
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE)
    except FileNotFoundError:
        return Seen(False, "was not there")
    except OSError as error:
        return Seen(False, f"could not be read ({_reason(error)})")
    if _any_line(pattern, data.split(b"\n")):
        return Seen(True)
    return Seen(False, _no_line(pattern))


class _LogLines:
    """A log condition's check: the file read as it grows, only what was added since the last
    check searched; from its start again once it shrank or another file took its name."""

    def __init__(self, condition: LogCondition) -> None:
        self.path = Path(condition.path)
        self.pattern = UserPattern(condition.line, f"wait_for {condition.path}")
        self.identity: tuple[int, int] | None = None
        self.offset = 0
        self.tail = b""

    def __call__(self, _left: float) -> Seen:
        try:
            with self.path.open("rb") as handle:
                status = os.fstat(handle.fileno())
                identity = (status.st_dev, status.st_ino)
                if identity != self.identity or status.st_size < self.offset:
                    self.identity, self.offset, self.tail = identity, 0, b""
                handle.seek(self.offset)
                while self.offset < status.st_size:
                    chunk = handle.read(min(CHUNK, status.st_size - self.offset))
                    if not chunk:  # truncated since fstat: the next check starts again
                        break
                    self.offset += len(chunk)
                    lines = (self.tail + chunk).split(b"\n")
                    self.tail = lines.pop()[-MAX_LINE:]
                    if _any_line(self.pattern, lines):
                        return Seen(True)
        except FileNotFoundError:
            return Seen(False, "was not there")
        except OSError as error:
            return Seen(False, f"could not be read ({_reason(error)})")
        if self.tail and _any_line(self.pattern, [self.tail]):
            return Seen(True)
        return Seen(False, _no_line(self.pattern))


def _compiled(pattern: str, path: str) -> UserPattern | None:
    return UserPattern(pattern, f"wait_for {path}") if pattern else None


def _any_line(pattern: UserPattern, lines: list[bytes]) -> bool:
    return any(
        pattern.search(line.decode("utf-8", "replace").removesuffix("\r")) is not None
        for line in lines
    )


def _no_line(pattern: UserPattern) -> str:
    slow = " (the pattern was given up: too slow on one line; simplify it)"
    return f"had no line matching {describe(pattern.pattern)}{slow if pattern.skipped else ''}"


def _same(seen: object, wanted: Scalar, as_text: bool = False) -> bool:
    """Whether ``seen`` is ``wanted``: true is not 1, "42" is not 42 (except ``as_text``, where
    a string is compared with the text of ``seen``, a database column's)."""
    if isinstance(wanted, bool) or isinstance(seen, bool):
        return isinstance(seen, bool) and seen == wanted
    if wanted is None or seen is None:
        return seen is wanted
    if isinstance(wanted, str):
        return (str(seen) if as_text else seen) == wanted
    return isinstance(seen, int | float | Decimal) and seen == wanted


def _shown(value: object) -> str:
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return describe(value)
    return str(value)[:60]


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return " ".join(text.split())[:120]


def _passwords(conditions: WaitFor) -> list[str]:
    """The passwords of the URLs and URL-form DSNs of ``conditions``, as written and decoded,
    masked wherever a problem line holds them (``password=`` of a DSN is masked by pattern)."""
    found = []
    for condition in conditions:
        url = condition.url if isinstance(condition, HttpCondition) else ""
        url = condition.dsn if isinstance(condition, SqlCondition) else url
        password = urlsplit(url).password if "://" in url else None
        if password:
            found += [password, unquote(password)]
    return found
