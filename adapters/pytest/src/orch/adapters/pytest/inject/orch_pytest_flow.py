"""The values of a cross-application flow step: what its test returns, publishes and is handed.

orch's event plugin loads this module (``pytest_configure``) only when one of these variables is
set, which orch does for a test it runs as a flow step; a run without them never imports it.

``ORCH_RETURN`` names the file that gets the JSON of the test function's return value, ``null``
included. A value JSON has no type for is written as its ``str()`` (``default=str``): a
``datetime``, ``UUID``, ``Decimal`` or ``Path`` becomes the text a later step would put in a
header or a URL. What cannot be written even so (a cycle, dict keys JSON cannot hold, NaN:
the file stays strict JSON) fails the test with one line saying so. A test that raises writes
nothing; so does one pytest or another plugin calls its own way (``async def`` tests, plugins'
own kinds of items), which are left to them.

``ORCH_OUTPUTS`` names a JSON object file: the ``orch_outputs`` fixture (in the event plugin, so
it exists in every run) merges its dict into what the file holds at the fixture's teardown, its
own value kept for a name in both; the test may have written the file itself. Written atomically.

``ORCH_ARGUMENTS`` names a JSON file that exists when values are to be delivered: a list of
``{"argument": "headers", "keys": ["Authorization"], "value": ...}``, optionally with ``"name"``,
the handed-on value's name, said in messages. Before the test's call each value is set at
``keys`` in that argument's dict (any of the test's fixtures or parameters, not only its own
arguments), in place and creating the dicts between, so a fixture holding the same dict (a
client built from ``headers``) sees it; with no ``keys`` the test's own argument is replaced.
What cannot be delivered fails the test with one line saying what to change.

``ORCH_INPUTS`` (the delivered values by name) is orch's to write and the test's to read.
Standard library and pytest only, like the event plugin.
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
from collections.abc import MutableMapping
from typing import NoReturn

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Register a part for each flow variable that is set (pytest calls this on registering)."""
    returned = os.environ.get("ORCH_RETURN")
    if returned:
        config.pluginmanager.register(_ReturnCapture(returned), "orch-return")
    outputs = os.environ.get("ORCH_OUTPUTS")
    if outputs:
        config.pluginmanager.register(_Outputs(outputs), "orch-outputs")
    arguments = os.environ.get("ORCH_ARGUMENTS")
    if arguments:
        config.pluginmanager.register(_Arguments(arguments), "orch-arguments")


class _ReturnCapture:
    """Calls the test function itself, to keep its return value (pytest's call drops it)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        """Before pytest's own (``trylast``), after plugins that call tests their way (anyio's
        and pytest-twisted's are ``tryfirst``)."""
        test = pyfuncitem.obj
        if type(pyfuncitem) is not pytest.Function or _is_async(test):
            return None
        funcargs = pyfuncitem.funcargs
        returned = test(**{name: funcargs[name] for name in pyfuncitem._fixtureinfo.argnames})
        if hasattr(returned, "__await__") or hasattr(returned, "__aiter__"):
            _fail(
                f"orch: {pyfuncitem.name} returned an awaitable, which pytest does not run: "
                "make it a plain function, or run it with its async plugin"
            )
        _write_json(self.path, returned, f"the return value of {pyfuncitem.name}")
        return True  # pytest's own call, and its warning about a returned value, do not happen


def _is_async(function: object) -> bool:
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


class _Outputs:
    """The ``ORCH_OUTPUTS`` file, which the ``orch_outputs`` fixture publishes into."""

    def __init__(self, path: str) -> None:
        self.path = path

    def publish(self, outputs: dict) -> None:
        """Merge ``outputs`` into the file's JSON object (nothing to merge: the file is left)."""
        if not outputs:
            return
        _write_json(self.path, {**self.current(), **outputs}, "orch_outputs")

    def current(self) -> dict:
        """What the file holds: {} when it is missing or blank."""
        try:
            with open(self.path, encoding="utf-8") as stream:
                text = stream.read()
            held = json.loads(text) if text.strip() else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            _fail(f"orch: cannot read the outputs file {self.path} (ORCH_OUTPUTS): {error}")
        if not isinstance(held, dict):
            _fail(
                f"orch: the outputs file {self.path} (ORCH_OUTPUTS) holds {_a(held)}, not a "
                "JSON object: write an object there, or publish through orch_outputs only"
            )
        return held


class _Arguments:
    """Delivers the ``ORCH_ARGUMENTS`` file's values into the test's arguments before its call."""

    def __init__(self, path: str) -> None:
        self.path = path

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        if not isinstance(item, pytest.Function):
            return
        for entry in self.entries():
            _deliver(item, entry)

    def entries(self) -> list[dict]:
        """The file's entries, checked; none when the file does not exist."""
        try:
            with open(self.path, encoding="utf-8") as stream:
                entries = json.load(stream)
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            _fail(f"orch: cannot read the arguments file {self.path} (ORCH_ARGUMENTS): {error}")
        problem = _malformed(entries)
        if problem:
            _fail(
                f"orch: the arguments file {self.path} (ORCH_ARGUMENTS) is malformed: {problem} "
                '(expected a list of {"argument": ..., "keys": [...], "value": ...})'
            )
        return entries


def _malformed(entries: object) -> str | None:
    """What is wrong with the arguments file's content, if anything."""
    if not isinstance(entries, list):
        return f"it holds {_a(entries)}, not a list"
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            return f"entry {number} is {_a(entry)}, not an object"
        argument, keys = entry.get("argument"), entry.get("keys")
        if not isinstance(argument, str) or not argument:
            return f"entry {number} names no argument"
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            return f"entry {number}'s keys are not a list of strings"
        if "value" not in entry:
            return f"entry {number} has no value"
    return None


def _deliver(item: pytest.Function, entry: dict) -> None:
    """Set ``entry``'s value at its keys in its argument's dict, or replace the argument."""
    argument, keys, value = entry["argument"], entry["keys"], entry["value"]
    named = entry.get("name")
    what = f"{named!r}" if isinstance(named, str) and named else "a value"
    # no ": " after a name: the redaction of reports would take what follows for its secret
    at = f" at {'.'.join(keys)}" if keys else ""
    cannot = f"orch: cannot deliver {what}{at} into argument {argument!r}"
    funcargs = item.funcargs
    if argument not in funcargs:
        public = sorted(name for name in funcargs if name != "request" and name[:1] != "_")
        _fail(
            f"{cannot}, as {item.name} has no argument or fixture {argument!r} "
            f"(it has {', '.join(public) or 'none'}); fix the flow's data_flow target"
        )
    if not keys:
        if argument not in item._fixtureinfo.argnames:
            _fail(
                f"{cannot}, as {item.name} does not take it itself (only its fixtures do), so a "
                f"whole value would reach nothing; take {argument!r} as an argument, or deliver "
                "into keys of it"
            )
        funcargs[argument] = value
        return
    target = funcargs[argument]
    for depth, key in enumerate(keys):
        if not isinstance(target, MutableMapping):
            if depth == 0:
                _fail(f"{cannot} ({_a(target)}); make it a dict fixture")
            inner = ".".join(keys[:depth])
            _fail(f"{cannot}, as its {inner} is {_a(target)}, not a dict; make it a dict")
        if depth == len(keys) - 1:
            target[key] = value
        else:
            target = target.setdefault(key, {})


def _a(value: object) -> str:
    """``a str``, ``an int``: the type of ``value`` as messages say it."""
    kind = type(value).__name__
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


def _write_json(path: str, value: object, what: str) -> None:
    """Write ``value`` as JSON to ``path`` atomically (a reader sees the old file or the new),
    readable by this user only (``mkstemp``'s mode: the values may be secrets)."""
    try:
        text = json.dumps(value, default=str, allow_nan=False)
    except (TypeError, ValueError) as error:
        _fail(
            f"orch: {what} cannot be written as JSON ({error}): hand on plain data "
            "(dicts, lists, strings, numbers)"
        )
    handle, partial = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise


def _fail(message: str) -> NoReturn:
    """Fail the test with ``message`` alone (no traceback of this plugin)."""
    pytest.fail(message, pytrace=False)
