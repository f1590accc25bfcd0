"""TestNG's own report, ``testng-results.xml``, which keeps what its JUnit reports lose.

It records data-provider parameters, failed configuration methods (``@BeforeClass`` and friends)
and every attempt of a test retried by a retry analyzer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import attrs
from lxml import etree

from orch.adapters.junit.reruns import merge_reruns
from orch.adapters.junit.safexml import (
    drop,
    iter_events,
    one_line,
    root_name,
    seconds,
    text_of,
    typed,
)
from orch.ports import Outcome, TestResult

ROOTS = ("testng-results",)
_STATUS = {"PASS": Outcome.PASSED, "FAIL": Outcome.FAILED, "SKIP": Outcome.SKIPPED}


def _nodeid(cls: etree._Element, method: etree._Element) -> str:
    nodeid = f"{cls.get('name', '')}.{method.get('name', '')}"
    values = [_param(param) for param in method.iterfind("params/param")]
    return f"{nodeid}[{', '.join(values)}]" if values else nodeid


def _param(param: etree._Element) -> str:
    value = param.find("value")
    if value is None or value.get("is-null") == "true":
        return "null"
    return one_line(text_of(value), limit=100)


def _message(method: etree._Element) -> str:
    exception = method.find("exception")
    if exception is None:
        return ""
    kind = (exception.get("class") or "").rsplit(".", 1)[-1]
    message = one_line(text_of(exception.find("message")))
    return typed(kind, message)


def _methods(path: Path) -> Iterator[tuple[etree._Element, etree._Element, bool]]:
    """Each test method of ``path`` that is a test, or a failed configuration method, with its
    ``<class>`` and whether TestNG marked it retried; streamed, each element freed once read."""
    for event, element in iter_events(path, ROOTS):
        if event != "end":
            continue
        parent = element.getparent()
        if element.tag == "test-method" and parent is not None and parent.tag == "class":
            config = element.get("is-config") == "true"
            if not config or element.get("status") == "FAIL":
                yield parent, element, element.get("retried") == "true"
        if element.tag in ("test-method", "class") or (
            parent is not None and parent.getparent() is None
        ):
            drop(element)


def _outcome(method: etree._Element) -> Outcome:
    if method.get("is-config") == "true":
        return Outcome.ERROR
    return _STATUS.get(method.get("status", ""), Outcome.ERROR)


def _result(app: str, cls: etree._Element, method: etree._Element) -> TestResult:
    lines = [text_of(line).strip() for line in method.iterfind("reporter-output/line")]
    return TestResult(
        app=app,
        nodeid=_nodeid(cls, method),
        outcome=_outcome(method),
        duration=seconds(method.get("duration-ms"), scale=0.001),
        message=_message(method),
        longrepr=text_of(method.find("exception/full-stacktrace")).strip(),
        stdout="\n".join(lines),
    )


class TestNGParser:
    """Reads ``testng-results.xml`` into one TestResult per test method (and data-provider row).

    ``nodeid`` is ``class.method``, with the data-provider parameters in brackets
    (``com.shop.CartTest.refunds[usd]``). Status PASS/FAIL/SKIP is passed/failed/skipped; a failed
    configuration method is an ``error`` result under its own ``class.method``, passing ones are
    not tests. A retried attempt (``retried="true"``, or TestNG 6's SKIP entry followed by another
    run of the same test) counts as a failure, so a test that passed on retry is flaky.
    """

    __test__ = False  # not a pytest test class

    PLUGIN_NAME: ClassVar[str] = "testng"

    def sniff(self, head: bytes) -> bool:
        """True when the root element is ``<testng-results>``."""
        return root_name(head) in ROOTS

    def parse(self, path: Path, app: str) -> list[TestResult]:
        """Each test method in ``path`` as a TestResult of ``app``; ResultFileError if corrupt."""
        entries = [(_result(app, cls, method), retried) for cls, method, retried in _methods(path)]
        last = {result.nodeid: index for index, (result, _) in enumerate(entries)}
        results = []
        for index, (result, retried) in enumerate(entries):
            if (retried or last[result.nodeid] != index) and result.outcome is Outcome.SKIPPED:
                result = attrs.evolve(result, outcome=Outcome.FAILED)
            results.append(result)
        return merge_reruns(results)
