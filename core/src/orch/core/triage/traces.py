"""Stack traces of failed tests, parsed into frames and an exception type (DESIGN.md §4, Failure).

Reads Python tracebacks (plain and pytest's long/short repr), JVM, node and .NET stack traces.
Parsing is line based with precompiled patterns and never raises: an unknown format yields no
frames and, at most, the type named by a leading ``SomethingError:`` token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from orch.ports import Failure, Frame, TestResult

MAX_CHARS = 200_000
"""Longer traces keep only their first and last halves of this size: the parser stays linear."""

MAX_LINE = 2_000
"""Lines are read up to this length, which bounds the patterns' backtracking."""

_TYPE = r"(?:[A-Za-z_$][\w$]*[.$])*[A-Z_$][\w$]*"
_ERRORISH = r"(?:Error|Exception|Exit|Interrupt|Failure|Failed|Fault|Warning|Timeout)"

_PY_FRAME = re.compile(r'^\s*File "(?P<file>[^"]*)", line (?P<line>\d+)(?:, in (?P<func>.*))?$')
_PY_START = re.compile(r"^Traceback \(most recent call last\):")
_PYTEST_LOC = re.compile(
    r"^(?P<file>(?:[A-Za-z]:)?[^\s:][^:]*?\.py):(?P<line>\d+):(?: (?P<rest>.*))?$"
)
_PYTEST_DEF = re.compile(r"^\s*(?:>\s*)?(?:async\s+)?def (?P<func>\w+)\(")
_PYTEST_E = re.compile(rf"^E\s+(?P<type>{_TYPE})(?::\s|:$|$)")
_JAVA_AT = re.compile(
    r"^\s*at (?:[\w.$-]+/)*(?P<func>[\w$.<>]+)\("
    r"(?P<file>[^():]+\.(?:java|kt|scala|groovy|clj)|Native Method|Unknown Source)"
    r"(?::(?P<line>\d+))?\)"
)
_DOTNET_AT = re.compile(
    r"^\s*at (?P<func>[^\s(]+)\([^)]*\)(?: in (?P<file>.+):line (?P<line>\d+))?\s*$"
)
_JS_AT = re.compile(
    r"^\s*at (?:async )?(?:(?P<func>.+?) \((?P<file>.+?):(?P<line>\d+)(?::\d+)?\)"
    r"|(?P<file2>[^\s()]+?):(?P<line2>\d+)(?::\d+)?)\s*$"
)
_CAUSED_BY = re.compile(rf"^\s*Caused by: (?P<type>{_TYPE})(?::|\s*$)")
_TYPE_LINE = re.compile(rf"^(?P<type>{_TYPE})(?: \[[\w-]+\])?(?::\s|:$)")
_BARE_TYPE_LINE = re.compile(rf"^(?P<type>{_TYPE}{_ERRORISH})\s*$")
_DOTNET_INNER = re.compile(rf" ---> (?P<type>{_TYPE}):")
_DOTNET_END_INNER = re.compile(r"^\s*--- End of inner exception stack trace ---")
_LEADING_TYPE = re.compile(rf"^\s*(?P<type>{_TYPE}{_ERRORISH})(?: \[[\w-]+\])?(?::|\s*$)")


def parse_trace(text: object) -> tuple[tuple[Frame, ...], str]:
    """The frames (outermost first) and the exception type of a trace; ``((), "")`` if unknown."""
    try:
        return _parse(_as_text(text))
    except Exception:  # a malformed trace must never break triage
        return (), ""


def failure_from(result: TestResult, commit: str = "") -> Failure:
    """A ``Failure`` for a failed result: type and frames read from its longrepr or message;
    its logs are what the test printed (stderr, then stdout)."""
    frames, exception_type = parse_trace(result.longrepr or result.message)
    if not frames and result.longrepr and result.message:
        frames, message_type = parse_trace(result.message)
        exception_type = exception_type or message_type
    if not exception_type and result.message:
        exception_type = parse_trace(result.message)[1]
    logs = "\n".join(text for text in (result.stderr, result.stdout) if text)
    return Failure(result, exception_type, frames, logs=logs, commit=commit)


def _as_text(text: object) -> str:
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    if len(text) > MAX_CHARS:
        half = MAX_CHARS // 2
        text = text[:half] + "\n" + text[-half:]
    return text.replace("\x00", "")


def _parse(text: str) -> tuple[tuple[Frame, ...], str]:
    lines = [line[:MAX_LINE] for line in text.splitlines()]
    for parser in (_parse_pytest, _parse_python, _parse_java, _parse_dotnet, _parse_js):
        found = parser(lines)
        if found is not None:
            return found
    return (), _leading_type(lines)


def _leading_type(lines: Iterable[str]) -> str:
    for line in lines:
        if line.strip():
            match = _LEADING_TYPE.match(line)
            return match["type"] if match else ""
    return ""


def _parse_pytest(lines: list[str]) -> tuple[tuple[Frame, ...], str] | None:
    """pytest's long or short repr: ``path.py:41: in func`` / ``path.py:41: AssertionError``."""
    frames: list[Frame] = []
    located_type = ""
    e_type = ""
    last_def = ""
    previous_e = False
    for line in lines:
        definition = _PYTEST_DEF.match(line)
        if definition:
            last_def = definition["func"]
        is_e = line.startswith("E ")
        if is_e and not previous_e:
            e_line = _PYTEST_E.match(line)
            e_type = e_line["type"] if e_line else e_type
        previous_e = is_e
        location = _PYTEST_LOC.match(line)
        if not location:
            continue
        rest = (location["rest"] or "").strip()
        function = last_def
        if rest.startswith("in "):
            function = rest[3:].strip()
        elif re.fullmatch(_TYPE, rest):
            located_type = rest
        frames.append(Frame(location["file"], int(location["line"]), function, "python"))
        last_def = ""
    if not frames:
        return None
    exception_type = located_type or e_type
    if e_type and located_type and e_type.endswith("." + located_type):
        exception_type = e_type
    return tuple(frames), exception_type


def _parse_python(lines: list[str]) -> tuple[tuple[Frame, ...], str] | None:
    """A plain Python traceback; with chained exceptions the last (the one raised) wins."""
    frames: list[Frame] = []
    exception_type = ""
    best: tuple[tuple[Frame, ...], str] | None = None
    for line in lines:
        if _PY_START.match(line):
            frames, exception_type = [], ""
            continue
        frame = _PY_FRAME.match(line)
        if frame:
            function = (frame["func"] or "").strip()
            frames.append(Frame(frame["file"], int(frame["line"]), function, "python"))
            continue
        if frames and not exception_type:
            typed = _TYPE_LINE.match(line) or _BARE_TYPE_LINE.match(line)
            if typed:
                exception_type = typed["type"]
                best = (tuple(frames), exception_type)
    if best is None and frames:
        best = (tuple(frames), exception_type)
    return best


def _parse_java(lines: list[str]) -> tuple[tuple[Frame, ...], str] | None:
    """A JVM trace, innermost frame first; the root cause (last ``Caused by:``) wins."""
    sections: list[tuple[str, list[Frame]]] = []
    pending = ""
    any_frame = False
    for line in lines:
        frame = _JAVA_AT.match(line)
        if frame:
            any_frame = True
            if not sections:
                sections.append((pending, []))
            line_number = int(frame["line"]) if frame["line"] else 0
            sections[-1][1].append(Frame(frame["file"], line_number, frame["func"], "java"))
            continue
        cause = _CAUSED_BY.match(line)
        if cause:
            sections.append((cause["type"], []))
            continue
        if not sections:
            typed = _TYPE_LINE.match(line) or _BARE_TYPE_LINE.match(line)
            if typed:
                pending = typed["type"]
    if not any_frame:
        return None
    root_type, root_frames = sections[-1]
    if not root_frames:
        root_frames = next((frames for _, frames in reversed(sections) if frames), [])
    if not root_type:
        root_type = next((kind for kind, _ in reversed(sections) if kind), "")
    return tuple(reversed(root_frames)), root_type


def _parse_dotnet(lines: list[str]) -> tuple[tuple[Frame, ...], str] | None:
    """A .NET trace; the innermost exception (``--->``) and its own frames win."""
    frames: list[Frame] = []
    exception_type = ""
    for line in lines:
        if _DOTNET_END_INNER.match(line):
            break
        frame = _DOTNET_AT.match(line)
        if frame and (frame["file"] or "." in frame["func"]):
            line_number = int(frame["line"]) if frame["line"] else 0
            frames.append(Frame(frame["file"] or "", line_number, frame["func"], "dotnet"))
            continue
        if not frames:
            typed = _TYPE_LINE.match(line.strip())
            if typed:
                inner = _DOTNET_INNER.findall(line)
                exception_type = inner[-1] if inner else typed["type"]
    if not any(frame.file for frame in frames):
        return None
    return tuple(reversed(frames)), exception_type


def _parse_js(lines: list[str]) -> tuple[tuple[Frame, ...], str] | None:
    """A node/V8 stack: the type line, then ``at fn (file:line:col)`` innermost first."""
    frames: list[Frame] = []
    exception_type = ""
    for line in lines:
        frame = _JS_AT.match(line)
        if frame:
            file = frame["file"] or frame["file2"]
            line_number = int(frame["line"] or frame["line2"])
            frames.append(Frame(file, line_number, (frame["func"] or "").strip(), "javascript"))
            continue
        if frames:
            if line.lstrip().startswith("at "):
                continue  # `at new Promise (<anonymous>)`: a frame without a location
            break
        typed = _TYPE_LINE.match(line.strip())
        if typed:
            exception_type = typed["type"]
    if not frames:
        return None
    return tuple(reversed(frames)), exception_type
