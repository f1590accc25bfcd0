"""orch's merged JUnit XML reads back, through a JUnit consumer, as the results that went in.

The consumer is orch's own JUnit adapter, which reads the dialects Jenkins, GitLab and GitHub
reporters accept; a report it cannot read the same way would not survive those tools either.
"""

from __future__ import annotations

from orch.adapters.junit import JUnitXmlParser
from orch.core.report.files import write_junit_xml
from orch.core.run.session import RunResult
from orch.core.shared.outcomes import ExitCode, count
from orch.ports import Outcome, TestResult

RESULTS = (
    TestResult("pay", "tests/test_a.py::TestRefund::test_eur[1]", Outcome.PASSED, 0.25),
    TestResult("pay", "tests/test_a.py::test_jpy", Outcome.FAILED, 0.1, "assert 1 == 2", "E x"),
    TestResult("pay", "tests/test_a.py::test_later", Outcome.SKIPPED, message="not today"),
    TestResult("web", "cart.CartTest.hangs", Outcome.TIMEOUT, 5.0, "exceeded"),
    TestResult("web", "cart.CartTest.boom", Outcome.ERROR, 0.0, "died \x1b[31m\x00"),
    TestResult("web", "cart.CartTest.retry", Outcome.FLAKY, 0.3, "passed on attempt 2"),
)


def test_merged_junit_reads_back_with_the_same_outcomes(tmp_path):
    path = tmp_path / "junit.xml"
    write_junit_xml(RunResult("r", RESULTS, count(RESULTS), ExitCode.TESTS_FAILED, 1.0), path)
    parser = JUnitXmlParser()
    assert parser.sniff(path.read_bytes()[:512])
    back = {r.nodeid: r for r in parser.parse(path, "any")}
    assert {nodeid: r.outcome for nodeid, r in back.items()} == {
        "tests.test_a.TestRefund.test_eur[1]": Outcome.PASSED,
        "tests.test_a.test_jpy": Outcome.FAILED,
        "tests.test_a.test_later": Outcome.SKIPPED,
        "cart.CartTest.hangs": Outcome.ERROR,
        "cart.CartTest.boom": Outcome.ERROR,
        "cart.CartTest.retry": Outcome.FLAKY,
    }
    assert back["tests.test_a.test_jpy"].message == "assert 1 == 2"
    assert back["tests.test_a.TestRefund.test_eur[1]"].duration == 0.25
