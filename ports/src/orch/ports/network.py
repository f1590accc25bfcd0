"""Saying why a request to a service never got an answer, for adapters that talk HTTP.

Found by the exception types in the error's chain, never by matching message texts (which may
carry URLs with credentials and change between library versions).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator


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
