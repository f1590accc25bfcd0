"""JUnit XML, in the dialects the frameworks orch users run actually write.

Covered: pytest ``--junitxml`` (xunit1 and xunit2), Maven Surefire/Failsafe (with rerun and flaky
elements), Gradle (with or without merged reruns), Ant, jest-junit, mocha-junit-reporter and node's
``--test-reporter=junit`` (nested suites for ``describe`` and subtests, ``todo`` skips).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, NamedTuple

from lxml import etree

from orch.adapters.junit.reruns import merge_reruns
from orch.adapters.junit.safexml import one_line, read_root, root_name, text_of
from orch.ports import Outcome, TestResult

ROOTS = ("testsuites", "testsuite")
_PROBLEMS = {"failure": Outcome.FAILED, "error": Outcome.ERROR}
_FAILURE_TYPES = {  # node's test runner says why a test failed in the failure's type
    "testTimeoutFailure": Outcome.TIMEOUT,
    "cancelledByParent": Outcome.ERROR,
    "hookFailure": Outcome.ERROR,
}
MESSAGE_LIMIT = 4000
"""Characters of a failure message kept; the whole text stays in the trace."""
_EXCEPTION = re.compile(r"[A-Z]\w*(?:Error|Exception)|Throwable")
_KINDS = {  # what each child element of a <testcase> says about it
    "failure": "problems",
    "error": "problems",
    "flakyFailure": "flaky",
    "flakyError": "flaky",
    "rerunFailure": "reruns",
    "rerunError": "reruns",
    "skipped": "skipped",
    "system-out": "system-out",
    "system-err": "system-err",
}


class _Case(NamedTuple):
    element: etree._Element
    suites: tuple[str, ...]
    suite: etree._Element | None
    file: str


def _cases(
    parent: etree._Element, suites: tuple[str, ...], suite: etree._Element | None, file: str
) -> Iterator[_Case]:
    for child in parent:
        if child.tag == "testcase":
            yield _Case(child, suites, suite, file)
        elif child.tag == "testsuite":
            name = (child.get("name") or "").strip()
            yield from _cases(child, (*suites, name), child, child.get("file") or file)


def _all_cases(root: etree._Element) -> list[_Case]:
    if root.tag == "testsuite":
        return list(_cases(root, ((root.get("name") or "").strip(),), root, root.get("file", "")))
    return list(_cases(root, (), None, ""))


def _is_node_report(root: etree._Element, cases: list[_Case]) -> bool:
    """node's reporter: an unnamed <testsuites> and the constant classname "test" everywhere."""
    return (
        root.tag == "testsuites"
        and "name" not in root.attrib
        and bool(cases)
        and all(case.element.get("classname") == "test" for case in cases)
    )


def _nodeid(case: _Case, node: bool) -> tuple[str, bool]:
    """The test's id and whether a repeat of it is another test (True) or a rerun (False)."""
    name = (case.element.get("name") or "").strip()
    classname = (case.element.get("classname") or "").strip()
    if node:
        return " > ".join(part for part in (*case.suites, name) if part), True
    if not classname or classname == name or name.endswith(" " + classname):
        return name, True
    if not name:
        return classname, False
    return f"{classname}.{name}", False


def _duration(value: str | None) -> float:
    try:
        seconds = float((value or "0").replace(",", ""))
    except ValueError:
        return 0.0
    return seconds if seconds > 0 else 0.0


def _lines(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` with its lines kept (a diff stays a diff), minus trailing blanks and blank ends."""
    kept = "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip()
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def _unflattened(message: str, trace: str) -> str:
    """The multi-line text in ``trace`` that became the one-line ``message``: by XML's attribute
    normalisation (each newline a space: mocha-junit-reporter) or by the framework dropping the
    newlines (node 20 writes ``strictly deep-equal:+ actual - expected  {+   a: 1...``)."""
    if "\n" in message or not message or "\n" not in trace:
        return message
    spaced = trace.replace("\n", " ").find(message)
    if spaced >= 0:
        return trace[spaced : spaced + len(message)]
    kept = [(i, ch) for i, ch in enumerate(trace) if ch != "\n"]
    start = "".join(ch for _, ch in kept).find(message)
    if start < 0:
        return message
    return trace[kept[start][0] : kept[start + len(message) - 1][0] + 1]


def _message(element: etree._Element) -> str:
    message = _lines(_unflattened(element.get("message") or "", _trace(element)))
    if not message:
        lines = [line for line in _trace(element).splitlines() if line.strip()]
        message = one_line(lines[0]) if lines else ""
    kind = (element.get("type") or "").rsplit(".", 1)[-1]
    if _EXCEPTION.fullmatch(kind) and kind not in message:
        return f"{kind}: {message}" if message else kind
    return message or kind


def _trace(element: etree._Element) -> str:
    stack = element.find("stackTrace")
    return text_of(element if stack is None else stack).strip()


def _attempts(elements: list[etree._Element], label: str) -> str:
    return "\n\n".join(
        f"--- {label} {number} ({element.tag}): {_message(element)}\n{_trace(element)}".rstrip()
        for number, element in enumerate(elements, start=1)
    )


def _verdict(parts: dict[str, list[etree._Element]], node: bool) -> tuple[Outcome, str, str]:
    problems = parts.get("problems")
    if problems:
        first = problems[0]
        outcome = _FAILURE_TYPES.get(first.get("type", ""), _PROBLEMS[first.tag])
        texts = [_trace(problem) or _message(problem) for problem in problems]
        if "reruns" in parts:
            texts.append(_attempts(parts["reruns"], "rerun"))
        return outcome, _message(first), "\n\n".join(texts)
    if "skipped" in parts:
        skipped = parts["skipped"][0]
        kind = skipped.get("type", "")
        message = _message(skipped)
        if message == "true" and node:  # node writes `skip: true` as the reason "true"
            message = ""
        if kind == "pytest.xfail":
            return Outcome.XFAILED, message, _trace(skipped)
        if kind == "todo":
            message = f"todo: {message}" if message else "todo"
        return Outcome.SKIPPED, message, _trace(skipped)
    if "flaky" in parts:
        return (
            Outcome.FLAKY,
            _message(parts["flaky"][0]),
            _attempts(parts["flaky"], "failed attempt"),
        )
    return Outcome.PASSED, "", ""


def _output(case: _Case, parts: dict[str, list[etree._Element]], tag: str, failing: bool) -> str:
    if tag in parts:
        return "".join(text_of(element) for element in parts[tag])
    if failing and case.suite is not None:
        return text_of(case.suite.find(tag))
    return ""


def _result(app: str, nodeid: str, case: _Case, node: bool) -> TestResult:
    element = case.element
    duration = _duration(element.get("time"))
    file = element.get("file") or case.file
    if not len(element):  # most tests: passed, printed nothing
        return TestResult(
            app=app, nodeid=nodeid, outcome=Outcome.PASSED, duration=duration, file=file
        )
    parts: dict[str, list[etree._Element]] = {}
    for child in element:
        kind = _KINDS.get(child.tag)
        if kind:
            parts.setdefault(kind, []).append(child)
    outcome, message, longrepr = _verdict(parts, node)
    failing = outcome.is_failure or outcome is Outcome.FLAKY
    return TestResult(
        app=app,
        nodeid=nodeid,
        outcome=outcome,
        duration=duration,
        message=message,
        longrepr=longrepr,
        stdout=_output(case, parts, "system-out", failing),
        stderr=_output(case, parts, "system-err", failing),
        file=file,
    )


class JUnitXmlParser:
    """Reads JUnit XML result files into one TestResult per test.

    Test ids (``nodeid``):

    - ``classname.name``, as JUnit, Surefire, Gradle, Ant and pytest write them
      (``tests.test_shop.TestRefund.test_refund[eur]``, ``com.shop.CartTest.addsItem``);
    - ``name`` alone when the name already holds the classname or there is none (jest-junit and
      mocha-junit-reporter put the full title, ``Cart checkout charges the card``, in ``name``);
    - for node's ``--test-reporter=junit``, whose classname is always ``test`` and which names no
      file: the enclosing ``describe``/parent-test names and the test name joined by ``" > "``
      (``cart > checkout > charges the card``).

    A repeated ``classname.name`` is a rerun (Gradle retries; pytest's failure plus teardown
    error) and is merged into one result, flaky when the last run passed. A repeated name-only id
    is another test with the same title (node's two files) and gets a `` (2)``, `` (3)`` suffix in
    file order.

    Outcomes: ``<failure>`` failed, ``<error>`` error (node's timeout: timeout; its cancelled or
    hook failures: error), ``<skipped>`` skipped (pytest's ``pytest.xfail``: xfailed),
    ``<flakyFailure>``/``<flakyError>`` without a failure flaky, with ``<rerunFailure>`` the
    failure stands and every rerun's trace joins ``longrepr``. stdout/stderr come from the test's
    ``system-out``/``system-err``; a failing test without them gets its suite's (Gradle, Ant).
    """

    PLUGIN_NAME: ClassVar[str] = "junit"

    def sniff(self, head: bytes) -> bool:
        """True when the root element is ``<testsuites>`` or ``<testsuite>``."""
        return root_name(head) in ROOTS

    def parse(self, path: Path, app: str) -> list[TestResult]:
        """Every test in ``path`` as a TestResult of ``app``; raises ResultFileError if corrupt."""
        root = read_root(path, ROOTS)
        cases = _all_cases(root)
        node = _is_node_report(root, cases)
        seen: dict[str, int] = {}
        results = []
        for case in cases:
            nodeid, distinct = _nodeid(case, node)
            if distinct:
                count = seen[nodeid] = seen.get(nodeid, 0) + 1
                if count > 1:
                    nodeid = f"{nodeid} ({count})"
            results.append(_result(app, nodeid, case, node))
        return merge_reruns(results)
