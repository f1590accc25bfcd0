"""The conditions a step waits for (``wait_for:``) as users write them, read into the values of
``orch.ports.conditions``, each mistake one line naming its path and what to do.

One condition is a mapping keyed by what it waits for (``http: URL``, ``sql: QUERY``,
``file: PATH``, ``log: PATH``) with that kind's options beside it; ``wait_for`` is one of them or
a list. URLs, DSNs, queries and paths may hold ``${NAME}`` (``${NAME:-default}``; ``$$`` is a
``$``, as in an application's ``env``): the step's variables, known only when it is about to
run, so ``resolved`` fills them in then. Messages never show a DSN, nor a URL's password.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

from orch.core.shared.documents import describe, is_whole, join_path, shown, within
from orch.core.shared.patterns import compile_problem
from orch.core.shared.redaction import Redactor
from orch.core.shared.spelling import suggestion, unknown, unknown_keys
from orch.core.shared.variables import expand, is_name
from orch.ports import ConfigError
from orch.ports.conditions import (
    DEFAULT_CONDITION_INTERVAL,
    DEFAULT_CONDITION_TIMEOUT,
    FileCondition,
    HttpCondition,
    JsonField,
    LogCondition,
    Scalar,
    SqlCondition,
    StateCondition,
    WaitFor,
)

KINDS = ("http", "sql", "file", "log")
"""The key that says what a condition waits for; exactly one per condition."""
TIMING = ("timeout", "interval")
KEYS = {
    "http": ("http", "method", "status", "json", *TIMING),
    "sql": ("sql", "dsn", "dsn_env", "equals", *TIMING),
    "file": ("file", "contains", *TIMING),
    "log": ("log", "line", *TIMING),
}
"""The keys each kind of condition takes, in the order messages list them."""
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
WHAT = "http: URL, sql: QUERY, file: PATH or log: PATH"

Found = list[str]
STEP = "the step's environment"


def conditions_from(given: object, where: str) -> WaitFor:
    """The conditions of ``given`` (what ``wait_for:`` holds: one condition or a list);
    ``ConfigError`` with one line per mistake, each starting with ``where`` and its key."""
    conditions, problems = read_conditions(given, where)
    if problems:
        raise ConfigError("\n".join(problems))
    return conditions


def read_conditions(given: object, where: str) -> tuple[WaitFor, list[str]]:
    """The conditions of ``given``, or none and the problem lines (for a reader that gathers
    the lines of a whole file, such as the flows')."""
    if isinstance(given, Mapping):
        items: Sequence[tuple[str, object]] = [(where, given)]
    elif isinstance(given, list):
        items = [(f"{where}[{index}]", item) for index, item in enumerate(given)]
    else:
        return (), [
            f"{where}: must be a condition ({WHAT}) or a list of them; got {describe(given)}"
        ]
    problems: list[str] = []
    conditions = [_condition(item, at, problems) for at, item in items]
    if problems:
        return (), problems
    return tuple(c for c in conditions if c is not None), []


def _condition(item: object, where: str, problems: list[str]) -> StateCondition | None:
    if not isinstance(item, Mapping):
        problems.append(f"{where}: must be a mapping of {WHAT}; got {describe(item)}")
        return None
    kinds = [kind for kind in KINDS if kind in item]
    if len(kinds) > 1:
        problems.append(
            f"{where}: gives {' and '.join(kinds)}; a condition waits for one thing: "
            "write each as its own item of the list"
        )
        return None
    if not kinds:
        every = list(dict.fromkeys(key for keys in KEYS.values() for key in keys))
        problems += unknown_keys(item, every, where) or [f"{where}: must name {WHAT}"]
        return None
    found = unknown_keys(item, KEYS[kinds[0]], where)
    condition = _READERS[kinds[0]](item, where, found)
    timeout = _seconds(item, "timeout", DEFAULT_CONDITION_TIMEOUT, where, found)
    interval = _seconds(item, "interval", DEFAULT_CONDITION_INTERVAL, where, found)
    problems += found
    if found or condition is None:
        return None
    return attrs.evolve(condition, timeout=timeout, interval=interval)


def _http(item: Mapping[str, Any], where: str, found: Found) -> HttpCondition | None:
    url = _text(item, "http", "a URL such as http://127.0.0.1:8080/health", where, found)
    url = url.strip() if url else url
    if url and "${" not in url:
        _add(found, within(where, "http"), _url_problem(url))
    method = item.get("method", "GET")
    if not isinstance(method, str) or method.upper() not in METHODS:
        found.append(f"{within(where, 'method')}: {unknown('method', shown(method), METHODS)}")
    given = item.get("status", [200])
    statuses = given if isinstance(given, list) else [given]
    if not statuses or not all(is_whole(s) and 100 <= s <= 599 for s in statuses):
        found.append(
            f"{within(where, 'status')}: must be an HTTP status (100-599) or a list of them; "
            f"got {describe(given)}"
        )
    fields = _fields(item["json"], within(where, "json"), found) if "json" in item else ()
    if found or url is None:
        return None
    return HttpCondition(url, str(method).upper(), tuple(statuses), fields)


def _fields(given: object, where: str, found: Found) -> tuple[JsonField, ...]:
    """``json:``: each field's dotted path (``order.state``) mapped to the value it must have."""
    if not isinstance(given, Mapping) or not given:
        found.append(
            f"{where}: must map each field's dotted path to its value, such as "
            f"{{order.state: settled}}; got {describe(given)}"
        )
        return ()
    fields = []
    for key, value in given.items():
        at = join_path(where, key)
        path = tuple(key.split(".")) if isinstance(key, str) else ()
        if not path or not all(path):
            found.append(f"{at}: must be a dotted path of keys such as order.state")
        elif not _is_scalar(value):
            found.append(
                f"{at}: must be a string, number, true, false or null; got {describe(value)} "
                "(for a field inside it, write its dotted path: order.state)"
            )
        else:
            fields.append(JsonField(path, value))
    return tuple(fields)


def _sql(item: Mapping[str, Any], where: str, found: Found) -> SqlCondition | None:
    query = _text(item, "sql", "a query such as select 1 from payments", where, found)
    if ("dsn" in item) == ("dsn_env" in item):
        found.append(
            f"{where}: an sql condition takes dsn: DSN or dsn_env: VARIABLE (the variable that "
            "holds it), one of them"
        )
        return None
    dsn: str | None = ""
    if "dsn" in item:
        dsn = _text(item, "dsn", "a DSN such as postgresql://host/db", where, found, secret=True)
    name = item.get("dsn_env", "")
    if "dsn_env" in item and (not isinstance(name, str) or not is_name(name)):
        found.append(
            f"{within(where, 'dsn_env')}: must be a variable name such as PAYMENTS_DSN; "
            f"got {describe(name)}"
        )
    accepted: tuple[Scalar, ...] = ()
    if "equals" in item:
        accepted = (item["equals"],)
        if not _is_scalar(item["equals"]):
            found.append(
                f"{within(where, 'equals')}: must be a string, number, true, false or null "
                f"(what the first column holds); got {describe(item['equals'])}"
            )
    if found or query is None:
        return None
    return SqlCondition(query, dsn=dsn or "", dsn_env=str(name), accepted=accepted)


def _file(item: Mapping[str, Any], where: str, found: Found) -> FileCondition | None:
    path = _text(item, "file", "a path", where, found)
    contains = _pattern(item, "contains", where, found) if "contains" in item else ""
    return None if found or path is None else FileCondition(path, contains)


def _log(item: Mapping[str, Any], where: str, found: Found) -> LogCondition | None:
    path = _text(item, "log", "a path", where, found)
    if "line" not in item:
        found.append(f"{where}: a log condition needs line: REGEX, the line to wait for")
        return None
    line = _pattern(item, "line", where, found)
    return None if found or path is None else LogCondition(path, line)


_READERS: dict[str, Callable[[Mapping[str, Any], str, Found], StateCondition | None]] = {
    "http": _http,
    "sql": _sql,
    "file": _file,
    "log": _log,
}


def _text(
    item: Mapping[str, Any], key: str, what: str, where: str, found: Found, secret: bool = False
) -> str | None:
    """A non-empty string whose ``${...}`` are well formed; ``secret``: never shown."""
    value = item.get(key)
    at = within(where, key)
    if not isinstance(value, str) or not value.strip():
        got = "" if secret and isinstance(value, str) else f"; got {describe(value)}"
        found.append(f"{at}: must be {what}{got}")
        return None
    problems = expand(value, None, STEP)[1]
    found += [f"{at}: {problem}" for problem in problems]
    return None if problems else value


def _pattern(item: Mapping[str, Any], key: str, where: str, found: Found) -> str:
    value = item[key]
    at = within(where, key)
    if not isinstance(value, str) or not value:
        found.append(f"{at}: must be a regular expression; got {describe(value)}")
        return ""
    _add(found, at, compile_problem(value))
    return value


def _seconds(item: Mapping[str, Any], key: str, default: float, where: str, found: Found) -> float:
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        found.append(
            f"{within(where, key)}: must be a number of seconds above 0; got {describe(value)}"
        )
        return default
    return float(value)


def _is_scalar(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def _add(found: Found, where: str, problem: str) -> None:
    if problem:
        found.append(f"{where}: {problem}")


def _url_problem(url: str) -> str:
    """Why ``url`` cannot be asked (not http or https, no host, a port not of digits), or
    ``""``; the URL is shown without its password."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 -- reading it checks it
    except ValueError:
        pass
    else:
        if parts.scheme in ("http", "https") and parts.hostname:
            return ""
    return (
        "must be an http:// or https:// URL with a host, such as http://127.0.0.1:8080/health; "
        f"got {describe(Redactor().text(url))}"
    )


def resolved(
    conditions: WaitFor,
    variables: Mapping[str, str],
    directory: Path | None = None,
    where: str = "wait_for",
) -> WaitFor:
    """``conditions`` with ``${NAME}`` filled from ``variables`` (the step's environment) in
    URLs, DSNs, queries and paths, ``dsn_env`` read from them, and relative paths made relative
    to ``directory`` (the workflow's) when given. ``ConfigError`` names each variable that is
    not set, at ``where[INDEX].KEY``, never a value."""
    problems: list[str] = []
    done: list[StateCondition] = []
    for index, condition in enumerate(conditions):
        at = f"{where}[{index}]"
        if isinstance(condition, HttpCondition):
            url = _filled(condition.url, variables, within(at, "http"), problems)
            if url is not None:
                _add(problems, within(at, "http"), _url_problem(url))
            done.append(attrs.evolve(condition, url=url or condition.url))
        elif isinstance(condition, SqlCondition):
            query = _filled(condition.query, variables, within(at, "sql"), problems)
            dsn = _filled(condition.dsn, variables, within(at, "dsn"), problems)
            if condition.dsn_env:
                dsn = variables.get(condition.dsn_env, "")
                _add(problems, within(at, "dsn_env"), _unset(condition.dsn_env, variables, dsn))
            done.append(attrs.evolve(condition, query=query or "", dsn=dsn or ""))
        else:
            key = "file" if isinstance(condition, FileCondition) else "log"
            path = _filled(condition.path, variables, within(at, key), problems) or ""
            if directory is not None and not Path(path).is_absolute():
                path = str(directory / path)
            done.append(attrs.evolve(condition, path=path))
    if problems:
        raise ConfigError("\n".join(problems))
    return tuple(done)


def _filled(text: str, variables: Mapping[str, str], where: str, problems: list[str]) -> str | None:
    """``text`` with its variables filled in, or None (and a line at ``where`` for each one
    missing)."""
    value, found = expand(text, variables, STEP, suggest=True)
    problems += [f"{where}: {problem}" for problem in found]
    return None if found else value


def _unset(name: str, variables: Mapping[str, str], value: str) -> str:
    if value:
        return ""
    if name in variables:
        return f"{name} is empty in the step's environment; give it the DSN"
    return (
        f"{name} is not set in the step's environment{suggestion(name, variables)}; "
        "set it (an application's env or passenv), or give dsn: instead"
    )
