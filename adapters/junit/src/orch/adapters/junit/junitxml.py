"""JUnit XML, in the dialects the frameworks orch users run actually write.

Covered: pytest ``--junitxml`` (xunit1 and xunit2), Maven Surefire/Failsafe (with rerun and flaky
elements), Gradle (with or without merged reruns), Ant, jest-junit, mocha-junit-reporter and node's
``--test-reporter=junit`` (nested suites for ``describe`` and subtests, ``todo`` skips).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path
from typing import ClassVar, NamedTuple

import attrs
from attrs import Factory, define
from lxml import etree

from orch.adapters.junit.reruns import merge_reruns
from orch.adapters.junit.safexml import (
    drop,
    iter_events,
    one_line,
    root_name,
    seconds,
    text_of,
)
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


@define
class _Suite:
    """A ``<testsuite>`` (or the root) whose tests are being read: the names of the suites it sits
    in, its file, and its own output once seen (Gradle and Ant write it after the tests)."""

    names: tuple[str, ...]
    file: str
    stdout: str | None = None
    stderr: str | None = None
    declared: str = ""
    """Its ``tests`` attribute, as written ("" when it says none)."""
    listed: int = 0
    """How many ``<testcase>`` it holds, in suites nested in it too."""


class _Lend(NamedTuple):
    """A failing test that printed nothing of its own, so gets its suite's output (Gradle, Ant):
    known only once the suite has been read, as they write it after the tests."""

    at: int
    suite: _Suite
    stdout: bool
    stderr: bool


class _NodeTest(NamedTuple):
    """What a test's id and message are if the file turns out to be node's report."""

    names: tuple[str, ...]
    message: str


@define
class _Reading:
    """One JUnit file being read, test by test: the results so far, and what is settled once
    the whole file is read. Each test costs the same whatever came before it."""

    app: str
    results: list[TestResult] = Factory(list)
    seen: dict[str, int] = Factory(dict)
    lend: list[_Lend] = Factory(list)
    node: list[_NodeTest] | None = None  # None once the file cannot be node's report

    def add(self, element: etree._Element, suite: _Suite) -> None:
        """Read one ``<testcase>`` of ``suite``."""
        name, classname = element.get("name") or "", element.get("classname") or ""
        if classname != "test":
            self.node = None
        nodeid = self._numbered(*_nodeid(name.strip(), classname.strip()))
        duration = seconds(element.get("time"))
        file = element.get("file") or suite.file
        if not len(element):  # most tests: passed, printed nothing
            result = TestResult(self.app, nodeid, Outcome.PASSED, duration=duration, file=file)
            self._keep(result, suite, name, "")
            return
        parts: dict[str, list[etree._Element]] = {}
        for child in element:
            kind = _KINDS.get(child.tag)
            if kind:
                parts.setdefault(kind, []).append(child)
        outcome, message, node_message, longrepr = _verdict(parts)
        stdout, stderr = _output(parts, "system-out"), _output(parts, "system-err")
        if (outcome.is_failure or outcome is Outcome.FLAKY) and None in (stdout, stderr):
            self.lend.append(_Lend(len(self.results), suite, stdout is None, stderr is None))
        result = TestResult(
            app=self.app,
            nodeid=nodeid,
            outcome=outcome,
            duration=duration,
            message=message,
            longrepr=longrepr,
            stdout=stdout or "",
            stderr=stderr or "",
            file=file,
        )
        self._keep(result, suite, name, node_message)

    def _numbered(self, nodeid: str, distinct: bool) -> str:
        if not distinct:
            return nodeid
        count = self.seen[nodeid] = self.seen.get(nodeid, 0) + 1
        return f"{nodeid} ({count})" if count > 1 else nodeid

    def _keep(self, result: TestResult, suite: _Suite, name: str, node_message: str) -> None:
        self.results.append(result)
        if self.node is not None:
            self.node.append(_NodeTest((*suite.names, name.strip()), node_message))

    def unlisted(self, suite: _Suite) -> None:
        """``suite`` ended holding no ``<testcase>``: when it declared tests, its report lost
        them, and one ``error`` says so rather than a silent "0 tests"."""
        if not suite.declared:
            return
        name = " > ".join(part for part in suite.names if part) or suite.file or "testsuite"
        message = (
            f"testsuite '{name}' declares {suite.declared} but lists none of them: its report "
            "is incomplete (the run that wrote it may have died)"
        )
        self.results.append(
            TestResult(self.app, name, Outcome.ERROR, message=message, file=suite.file)
        )
        if self.node is not None:
            self.node.append(_NodeTest(suite.names, message))

    def finish(self) -> list[TestResult]:
        """The results, with node's ids if the file is its report, suites' output lent, and
        reruns merged."""
        results = self.results
        if self.node:
            self.seen = {}
            results = [
                attrs.evolve(
                    result,
                    nodeid=self._numbered(" > ".join(part for part in test.names if part), True),
                    message=test.message,
                )
                for result, test in zip(results, self.node, strict=True)
            ]
        for lend in self.lend:
            result = results[lend.at]
            results[lend.at] = attrs.evolve(
                result,
                stdout=(lend.suite.stdout or "") if lend.stdout else result.stdout,
                stderr=(lend.suite.stderr or "") if lend.stderr else result.stderr,
            )
        return merge_reruns(results)


def _read(path: Path, app: str) -> list[TestResult]:
    """Every ``<testcase>`` directly in the root or in ``<testsuite>``s nested in it, streamed,
    each element freed once read."""
    containers: list[_Suite | None] = []  # one per open element: a _Suite if it holds tests
    reading = _Reading(app)
    for event, element in iter_events(path, ROOTS):
        if event == "start":
            if not containers and element.tag == "testsuites" and "name" not in element.attrib:
                reading.node = []  # node's reporter writes an unnamed <testsuites>
            containers.append(_container(element, containers))
            continue
        ended = containers.pop()
        if ended is not None and element.tag == "testsuite" and not ended.listed:
            reading.unlisted(ended)
        parent = containers[-1] if containers else None
        if parent is None:
            continue
        if element.tag == "testcase":
            reading.add(element, parent)
            for suite in containers:
                if suite is not None:
                    suite.listed += 1
        elif element.tag == "system-out" and parent.stdout is None:
            parent.stdout = text_of(element)
        elif element.tag == "system-err" and parent.stderr is None:
            parent.stderr = text_of(element)
        drop(element)
    return reading.finish()


def _container(element: etree._Element, containers: list[_Suite | None]) -> _Suite | None:
    """What an element that starts holds tests as: the root, or a ``<testsuite>`` directly in
    an element that holds tests; None for anything else."""
    if not containers:
        if element.tag == "testsuite":
            name = (element.get("name") or "").strip()
            return _Suite((name,), element.get("file", ""), declared=_declared(element))
        return _Suite((), "", "", "")  # <testsuites> has no output of its own to lend
    parent = containers[-1]
    if parent is None or element.tag != "testsuite":
        return None
    name = (element.get("name") or "").strip()
    file = element.get("file") or parent.file
    return _Suite((*parent.names, name), file, declared=_declared(element))


_DECLARED = ("tests", "failures", "errors")


def _count(number: str, noun: str) -> str:
    """``1 failure``, ``3 failures``; "" for none or for what is not a count."""
    if not number.isdigit() or int(number) == 0:
        return ""
    return f"{number} {noun}" + ("" if int(number) == 1 else "s")


def _declared(suite: etree._Element) -> str:
    """What a ``<testsuite>`` says it holds (``5 tests, 2 failures``), "" when it says it
    holds no test or does not say."""
    said = [_count((suite.get(key) or "").strip(), key[:-1]) for key in _DECLARED]
    return ", ".join(part for part in said if part) if said[0] else ""


def _nodeid(name: str, classname: str) -> tuple[str, bool]:
    """The test's id and whether a repeat of it is another test (True) or a rerun (False)."""
    if not classname or classname == name or name.endswith(" " + classname):
        return name, True
    if not name:
        return classname, False
    return f"{classname}.{name}", False


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
    start = trace.replace("\n", "").find(message)
    if start < 0:
        return message
    # The k-th newline of ``trace`` sits before index ``shifts[k]`` of the text without newlines,
    # so a character there lies as many places further into ``trace`` as newlines precede it.
    shifts = [match.start() - k for k, match in enumerate(re.finditer("\n", trace))]
    end = start + len(message) - 1
    return trace[start + bisect_right(shifts, start) : end + bisect_right(shifts, end) + 1]


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


def _verdict(parts: dict[str, list[etree._Element]]) -> tuple[Outcome, str, str, str]:
    """Outcome, message, message if the file is node's report, and trace of a test's parts."""
    problems = parts.get("problems")
    if problems:
        first = max(problems, key=lambda problem: _SEVERITY[_outcome(problem)])  # first of ties
        outcome = _outcome(first)
        message = _message(first)
        texts = [_trace(problem) or _message(problem) for problem in problems]
        if "reruns" in parts:
            texts.append(_attempts(parts["reruns"], "rerun"))
        return outcome, message, message, "\n\n".join(texts)
    if "skipped" in parts:
        skipped = parts["skipped"][0]
        kind = skipped.get("type", "")
        message = _message(skipped)
        node_message = "" if message == "true" else message  # node: `skip: true` says "true"
        if kind == "pytest.xfail":
            return Outcome.XFAILED, message, node_message, _trace(skipped)
        if kind == "todo":
            message, node_message = _todo(message), _todo(node_message)
        return Outcome.SKIPPED, message, node_message, _trace(skipped)
    if "flaky" in parts:
        message = _message(parts["flaky"][0])
        return Outcome.FLAKY, message, message, _attempts(parts["flaky"], "failed attempt")
    return Outcome.PASSED, "", "", ""


_SEVERITY = {Outcome.FAILED: 0, Outcome.TIMEOUT: 1, Outcome.ERROR: 2}
"""A testcase with several result elements is its most severe: error, timeout, failure."""


def _outcome(problem: etree._Element) -> Outcome:
    return _FAILURE_TYPES.get(problem.get("type", ""), _PROBLEMS[problem.tag])


def _todo(message: str) -> str:
    return f"todo: {message}" if message else "todo"


def _output(parts: dict[str, list[etree._Element]], tag: str) -> str | None:
    if tag in parts:
        return "".join(text_of(element) for element in parts[tag])
    return None


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
    failure stands and every rerun's trace joins ``longrepr``. A testcase with several result
    elements is its most severe (error, then timeout, then failure, then skipped). A
    ``<testsuite>`` that declares tests but lists no testcase is one ``error`` result named by
    the suite, saying what it declared. stdout/stderr come from the test's
    ``system-out``/``system-err``; a failing test without them gets its suite's (Gradle, Ant).
    """

    PLUGIN_NAME: ClassVar[str] = "junit"

    def sniff(self, head: bytes) -> bool:
        """True when the root element is ``<testsuites>`` or ``<testsuite>``."""
        return root_name(head) in ROOTS

    def parse(self, path: Path, app: str) -> list[TestResult]:
        """Every test in ``path`` as a TestResult of ``app``; raises ResultFileError if corrupt."""
        return _read(path, app)
