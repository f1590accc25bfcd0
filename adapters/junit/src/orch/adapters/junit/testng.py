"""TestNG's own report, ``testng-results.xml``, which keeps what its JUnit reports lose.

It records data-provider parameters, failed configuration methods (``@BeforeClass`` and friends)
and every attempt of a test retried by a retry analyzer.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from lxml import etree

from orch.adapters.junit.reruns import merge_reruns
from orch.adapters.junit.safexml import one_line, read_root, root_name, text_of, typed
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


def _duration(method: etree._Element) -> float:
    try:
        return max(int(method.get("duration-ms", "0")), 0) / 1000
    except ValueError:
        return 0.0


def _result(app: str, nodeid: str, method: etree._Element, outcome: Outcome) -> TestResult:
    lines = [text_of(line).strip() for line in method.iterfind("reporter-output/line")]
    return TestResult(
        app=app,
        nodeid=nodeid,
        outcome=outcome,
        duration=_duration(method),
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
        root = read_root(path, ROOTS)
        entries = []
        for cls in root.iter("class"):
            for method in cls.iterfind("test-method"):
                config = method.get("is-config") == "true"
                status = method.get("status", "")
                if config and status != "FAIL":
                    continue
                outcome = Outcome.ERROR if config else _STATUS.get(status, Outcome.ERROR)
                entries.append((_nodeid(cls, method), method, outcome))
        last = {nodeid: index for index, (nodeid, _, _) in enumerate(entries)}
        results = []
        for index, (nodeid, method, outcome) in enumerate(entries):
            retried = method.get("retried") == "true" or last[nodeid] != index
            if retried and outcome is Outcome.SKIPPED:
                outcome = Outcome.FAILED
            results.append(_result(app, nodeid, method, outcome))
        return merge_reruns(results)
