"""Reading untrusted XML result files safely, with a one-line reason when a file is broken.

Result files come from whatever the tests wrote, so the parser never loads a DTD, never resolves
entities, never touches the network and keeps libxml2's size limits (no ``huge_tree``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from attrs import define
from lxml import etree

from orch.ports import ResultFileError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_PROLOG_ITEMS = (("<?", "?>"), ("<!--", "-->"))
_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_EMPTY = "empty file (did the test command stop before writing its results?)"
_HINT = re.compile(r",\s*(?:use|try|see) (?:XML_PARSE_HUGE|xmlCtxt\w+)[\w .]*")
_POSITION = re.compile(r",\s*line \d+, column \d+\s*$")


def _decode_head(head: bytes) -> str:
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore")
    return head.decode("utf-8", errors="replace")


def root_name(head: bytes) -> str | None:
    """The local name of the root element in the first bytes of a file, or None if none is seen.

    Skips a byte-order mark, the XML declaration, comments, processing instructions and a DOCTYPE.
    """
    text = _decode_head(head)
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        for start, end in _PROLOG_ITEMS:
            if text.startswith(start, pos):
                close = text.find(end, pos + len(start))
                if close < 0:
                    return None
                pos = close + len(end)
                break
        else:
            if text.startswith("<!DOCTYPE", pos):
                subset = text.find("[", pos)
                closing = text.find(">", pos)
                if 0 <= subset < closing:
                    closing = text.find("]>", subset) + 1
                if closing <= 0:
                    return None
                pos = closing + 1
                continue
            match = _ROOT.match(text, pos)
            return match.group(1) if match else None


CHUNK = 1 << 20
"""Bytes read and parsed at a time: a result file of any size is streamed, never read whole."""

HUGE_TREE = etree.LIBXML_VERSION >= (2, 11)
"""Lift libxml2's 10 MB text and 256-level depth limits (a test that printed 100 MiB still has a
readable report) only where libxml2 keeps refusing entity amplification under XML_PARSE_HUGE,
as it does since 2.11; older ones skip that check for huge documents."""


def _parser() -> etree.XMLPullParser:
    """A pull parser that never loads a DTD, resolves no entity and touches no network.

    ``collect_ids`` stays on: libxml2 2.14 under lxml tries to load the external DTD subset of
    ``<!DOCTYPE x SYSTEM "...">`` when it is off, and fails the whole file for it.
    """
    return etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=HUGE_TREE,
        remove_comments=True,
        remove_pis=True,
        collect_ids=True,
    )


def _syntax_reason(error: etree.XMLSyntaxError | etree._LogEntry) -> str:
    """libxml2's complaint in one line, without its position suffix or its advice to C callers
    (``use XML_PARSE_HUGE option``), a limit said to be one."""
    if isinstance(error, etree.XMLSyntaxError):
        message, line, code = error.msg, error.lineno, error.code
    else:
        message, line, code = error.message, error.line, error.type
    what = _POSITION.sub("", _HINT.sub("", message or "malformed XML")).strip().rstrip(".")
    reason = f"not XML: {what} at line {line}"
    if code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
        return f"{reason} (a limit orch keeps against hostile files)"
    return reason


def _content_problem(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return "gzip-compressed data, not XML (decompress it first)"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"binary data, not XML (starts with bytes {head[:4].hex(' ')})"
    lowered = _decode_head(head).lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return "an HTML page, not an XML result file (point orch at the XML report)"
    return None


def iter_events(path: Path, expected: tuple[str, ...]) -> Iterator[tuple[str, etree._Element]]:
    """Each ``("start" | "end", element)`` of ``path`` in document order, read :data:`CHUNK`
    bytes at a time; the root element's tag must be one of ``expected``.

    Memory stays flat only if the caller frees what it has read (see :func:`drop`).

    :raises ResultFileError: the file is missing, empty, binary, HTML, truncated, malformed,
        or has another root element; the reason is one line.
    """
    try:
        stream = path.open("rb")
    except OSError as error:
        raise ResultFileError(path, f"cannot read it: {error.strerror or error}") from error
    with stream:
        parser, seen = _parser(), _Seen(path, expected)
        try:
            while chunk := _read(path, stream):
                seen.read(chunk)
                parser.feed(chunk)
                yield from seen.events(parser)
        except etree.XMLSyntaxError as error:
            raise ResultFileError(path, _syntax_reason(error)) from error
        if seen.blank:
            raise ResultFileError(path, _EMPTY)
        logged = list(parser.feed_error_log)  # what libxml2 noted but read past
        try:
            parser.close()
        except etree.XMLSyntaxError as error:
            raise ResultFileError(path, seen.reason_at_end(error, logged)) from error
        yield from seen.events(parser)  # libxml2 keeps the last bytes back until the end


@define
class _Seen:
    """What streaming a file has seen so far: enough to say what is wrong with it in one line."""

    path: Path
    expected: tuple[str, ...]
    blank: bool = True
    newlines: int = 0
    last: bytes = b""
    root: etree._Element | None = None
    closed: bool = False

    def read(self, chunk: bytes) -> None:
        """Take the next chunk of bytes; the first that is not blank must look like XML."""
        if self.blank and chunk.strip():
            problem = _content_problem(chunk[:1024])
            if problem:
                raise ResultFileError(self.path, problem)
            self.blank = False
        self.newlines += chunk.count(b"\n")
        self.last = chunk[-1:]

    def events(self, parser: etree.XMLPullParser) -> Iterator[tuple[str, etree._Element]]:
        """The parser's events so far, the root element checked as soon as it starts."""
        for event, element in parser.read_events():
            if self.root is None:
                self.root = element
                tag = etree.QName(element).localname
                if tag not in self.expected:
                    wanted = " or ".join(f"<{name}>" for name in self.expected)
                    raise ResultFileError(
                        self.path, f"unexpected root element <{tag}> (expected {wanted})"
                    )
            if event == "end" and element is self.root:
                self.closed = True
            yield event, element

    def reason_at_end(self, error: etree.XMLSyntaxError, logged: list[etree._LogEntry]) -> str:
        """Why the file is bad when that shows at its end: the first problem libxml2 read past
        (an undefined entity), else cut short, unless its root element was closed."""
        if logged:
            return _syntax_reason(logged[0])
        if self.closed:
            return _syntax_reason(error)
        line = self.newlines + (0 if self.last == b"\n" else 1)
        return f"not XML: unexpected end of file at line {line} (was the run killed while writing?)"


def _read(path: Path, stream: BinaryIO) -> bytes:
    try:
        return stream.read(CHUNK)
    except OSError as error:
        raise ResultFileError(path, f"cannot read it: {error.strerror or error}") from error


def drop(element: etree._Element) -> None:
    """Free ``element``, now read, with its content and the siblings read before it, so a
    streamed file's memory stays that of one test however many the file holds."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def text_of(element: etree._Element | None) -> str:
    """All text inside ``element`` (CDATA included), or "" for no element."""
    if element is None:
        return ""
    return "".join(element.itertext())


LONGEST_TEST = 366 * 24 * 3600.0
"""Seconds beyond which a recorded duration is a broken clock or a hostile file, not a test."""


def seconds(value: str | None, scale: float = 1.0) -> float:
    """The duration ``value`` (times ``scale``) in seconds, or 0.0, orch's "unknown", when it is
    missing, no number, not positive, not finite (``inf``, ``nan``, ``1e999``) or over
    :data:`LONGEST_TEST`, so no report ever holds ``Infinity`` or ``NaN``."""
    try:
        number = float((value or "0").replace(",", "")) * scale
    except ValueError:
        return 0.0
    return number if 0 < number <= LONGEST_TEST else 0.0


def one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line, each run of whitespace (newlines too) one space, cut at ``limit``."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def typed(kind: str, message: str) -> str:
    """``kind: message``, unless the message already starts with that type, plain or qualified:
    ``orders.db.DatabaseConnectionError: ...`` gets no second ``DatabaseConnectionError``."""
    if not kind:
        return message
    named = message.split(":", 1)[0]
    if named == kind or named.endswith("." + kind):
        return message
    return f"{kind}: {message}" if message else kind
