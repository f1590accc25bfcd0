"""Reading untrusted XML result files safely, with a one-line reason when a file is broken.

Result files come from whatever the tests wrote, so the parser never loads a DTD, never resolves
entities, never touches the network and keeps libxml2's size limits (no ``huge_tree``).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from orch.ports import ResultFileError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_PROLOG_ITEMS = (("<?", "?>"), ("<!--", "-->"))
_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
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


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _syntax_reason(error: etree.XMLSyntaxError) -> str:
    what = _POSITION.sub("", error.msg or "malformed XML").strip().rstrip(".")
    return f"not XML: {what} at line {error.lineno}"


def _content_problem(data: bytes) -> str | None:
    if not data.strip():
        return "empty file (did the test command stop before writing its results?)"
    head = data[:1024]
    if head.startswith(b"\x1f\x8b"):
        return "gzip-compressed data, not XML (decompress it first)"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"binary data, not XML (starts with bytes {head[:4].hex(' ')})"
    lowered = _decode_head(head).lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return "an HTML page, not an XML result file (point orch at the XML report)"
    return None


def read_root(path: Path, expected: tuple[str, ...]) -> etree._Element:
    """Parse ``path`` and return its root element, whose tag must be one of ``expected``.

    :raises ResultFileError: the file is missing, empty, binary, HTML, truncated, malformed,
        or has another root element; the reason is one line.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ResultFileError(path, f"cannot read it: {error.strerror or error}") from error
    problem = _content_problem(data)
    if problem:
        raise ResultFileError(path, problem)
    parser = _parser()
    try:
        parser.feed(data)
    except etree.XMLSyntaxError as error:
        raise ResultFileError(path, _syntax_reason(error)) from error
    try:
        root = parser.close()
    except etree.XMLSyntaxError as error:
        line = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        raise ResultFileError(
            path,
            f"not XML: unexpected end of file at line {line} (was the run killed while writing?)",
        ) from error
    tag = etree.QName(root).localname
    if tag not in expected:
        wanted = " or ".join(f"<{name}>" for name in expected)
        raise ResultFileError(path, f"unexpected root element <{tag}> (expected {wanted})")
    return root


def text_of(element: etree._Element | None) -> str:
    """All text inside ``element`` (CDATA included), or "" for no element."""
    if element is None:
        return ""
    return "".join(element.itertext())


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
