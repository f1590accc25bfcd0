"""Errors of services reached over HTTP, said in one line: for adapters that talk to them.

Found by the exception types in the error's chain, never by matching message texts (which may
carry URLs with credentials and change between library versions).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from orch.ports.errors import EnvironmentProblem

T = TypeVar("T")


def without_credentials(url: str) -> str:
    """``url`` without the user and password it may carry (``http://TOKEN:x@host`` becomes
    ``http://host``): what a message may show of a service's address."""
    try:
        split = urlsplit(url)
    except ValueError:
        return "the configured URL"  # unparsable: showing it could show its credentials
    if "@" not in split.netloc:
        return url
    return urlunsplit(split._replace(netloc=split.netloc.rpartition("@")[2]))


def network_reason(
    error: BaseException, timeouts: tuple[type[BaseException], ...], seconds: float
) -> str:
    """``connection refused``, ``unknown host``, ``no answer within N s``, or the error's type."""
    for cause in exception_chain(error):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "unknown host"
        if isinstance(cause, (TimeoutError, *timeouts)):
            return f"no answer within {seconds:g} s"
    return f"connection failed ({type(error).__name__})"


def exception_chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps (causes, contexts, urllib3's ``reason``, first args)."""
    seen: set[int] = set()
    todo: list[object] = [error]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args[:1]]


def call_service(
    action: Callable[[], T],
    *,
    service: str,
    url: str,
    http_error: type[BaseException],
    describe: Callable[[Any], str],
    network_error: type[BaseException],
    timeouts: tuple[type[BaseException], ...],
    seconds: float,
) -> T:
    """Run one request of a client library; its HTTP and network errors become one
    ``EnvironmentProblem`` line without secrets (the library's error, which may carry headers,
    is not chained): ``jira at https://host: HTTP 401 (...)``, ``cannot reach URL: connection
    refused``; ``url`` is shown without credentials."""
    url = without_credentials(url)
    problem: str | None = None
    try:
        return action()
    except http_error as error:
        problem = f"{service} at {url}: {describe(error)}"
    except network_error as error:
        problem = f"cannot reach {url}: {network_reason(error, timeouts, seconds)}"
    raise EnvironmentProblem(problem) from None
