"""What a node test file printed before it ended, given back to the failure its JUnit says.

Why: when a test file of ``node --test`` cannot load or its process ends early (a ``require``
that fails, a throw at its top, an uncaught error after its tests), node's JUnit reporter writes
one testcase named after the file whose whole text is ``test failed`` and an exit code: the
error itself went to the file's stderr, which the JUnit reporter drops. Node's spec reporter
keeps it. Given a second reporter writing to the terminal (``--test-reporter=spec
--test-reporter-destination=stderr``), the shard's output holds, file after file in the order
node reports them, what each file printed and then ``✖ <file> (<duration>)`` for a file that
failed as a whole. The lines between that and the result line before it are what the file
printed after its last test: its error, which becomes the failure's trace.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

from orch.ports import TestResult

FILE_FAILED = "test failed"
"""The message node's JUnit reporter gives a test file that failed as a whole."""

_RESULT_LINE = re.compile(r"\s*[✔✖﹣▶] ")
"""A spec reporter line for a test, a suite or a file: where a file's own printing starts."""

_ERROR_LINE = re.compile(r"(?:\w+\.)*\w*(?:Error|Exception)\b[^:\n]*: .+")
"""The line of an uncaught error that says what it was (``Error: Cannot find module 'x'``)."""

PRINTED = "What {file} printed before node ended it:"
"""The heading of the given-back lines in the failure's trace."""


def given_back(results: Sequence[TestResult], output: str) -> list[TestResult]:
    """``results`` with each failed file's trace extended by what it printed in ``output``.

    A file's failure gets its printed lines appended to its trace and, when they hold an error's
    line, that line as its message (``test failed: Error: Cannot find module './db'``). Results
    of other kinds, and files the output says nothing of, are kept as they are.
    """
    failed = [_file_failed(r) for r in results]
    if not output or not any(failed):
        return list(results)
    lines = output.splitlines()
    ends: dict[str, int] = {}
    for index, line in enumerate(lines):
        if line.startswith(FILE_MARK) and " (" in line:  # the recap repeats it: the first counts
            ends.setdefault(line[len(FILE_MARK) : line.rindex(" (")], index)
    return [
        _with_printed(r, _printed_before(lines, ends.get(r.nodeid))) if is_file else r
        for r, is_file in zip(results, failed, strict=True)
    ]


FILE_MARK = "✖ "
"""How the spec reporter starts the line of a failed test or file: ``✖ test/a.test.js (5ms)``."""


def _file_failed(result: TestResult) -> bool:
    """Node's testcase for a file that failed as a whole: named after the file, ``test failed``.

    Its name is the path node was given (relative to where it ran), its file that path made
    absolute, or relative again once the result was made relative to the application."""
    return result.message == FILE_FAILED and result.file.endswith(result.nodeid)


def _printed_before(lines: Sequence[str], end: int | None) -> list[str]:
    """The lines before the file's own result line at ``end``, back to the result line before
    them: what the file printed after its last test (nothing when the output lacks the file)."""
    if end is None:
        return []
    start = end
    while start > 0 and not _RESULT_LINE.match(lines[start - 1]):
        start -= 1
    return list(lines[start:end])


def _with_printed(result: TestResult, printed: Sequence[str]) -> TestResult:
    text = "\n".join(printed).strip("\n")
    if not text.strip():
        return result
    said = next((line.strip() for line in printed if _ERROR_LINE.fullmatch(line.strip())), "")
    message = f"{FILE_FAILED}: {said}" if said else result.message
    heading = PRINTED.format(file=result.file)
    return attrs.evolve(result, message=message, longrepr=f"{result.longrepr}\n\n{heading}\n{text}")
