"""JUnit files as other projects write them (issue 13, item 5): a testcase with several result
elements counts once, as its most severe; a testsuite that declares tests but lists none is an
``error`` saying so, never a silent "0 tests", and every other result of the file still counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.adapters.junit import JUnitXmlParser
from orch.ports import Outcome


def parse(tmp_path: Path, xml: str) -> dict[str, tuple[Outcome, str]]:
    path = tmp_path / "TEST-report.xml"
    path.write_text(xml, encoding="utf-8")
    results = JUnitXmlParser().parse(path, "shop")
    assert len({r.nodeid for r in results}) == len(results), "one result per test"
    return {r.nodeid: (r.outcome, r.message) for r in results}


@pytest.mark.parametrize(
    ("elements", "outcome", "message"),
    [
        (
            '<failure message="wrong total"/><error message="teardown broke"/>',
            "error",
            "teardown broke",
        ),
        ('<error message="setup broke"/><failure message="wrong total"/>', "error", "setup broke"),
        ('<skipped message="later"/><failure message="wrong total"/>', "failed", "wrong total"),
        (
            '<failure message="wrong total"/>'
            '<failure type="testTimeoutFailure" message="ran out"/>',
            "timeout",
            "ran out",
        ),
        ('<failure message="first"/><failure message="second"/>', "failed", "first"),
    ],
)
def test_a_testcase_with_several_results_counts_once_as_its_most_severe(
    tmp_path, elements, outcome, message
):
    found = parse(
        tmp_path,
        f'<testsuite name="CartTest" tests="1"><testcase classname="CartTest" name="total">'
        f"{elements}</testcase></testsuite>",
    )
    assert found == {"CartTest.total": (Outcome(outcome), message)}


def test_a_suite_that_declares_tests_but_lists_none_is_an_error_and_the_rest_counts(tmp_path):
    found = parse(
        tmp_path,
        '<testsuites><testsuite name="com.shop.CartTest" tests="3" failures="1" errors="0"/>'
        '<testsuite name="com.shop.PayTest" tests="1">'
        '<testcase classname="com.shop.PayTest" name="pays"/></testsuite></testsuites>',
    )
    assert found == {
        "com.shop.CartTest": (
            Outcome.ERROR,
            "testsuite 'com.shop.CartTest' declares 3 tests, 1 failure but lists none of them: "
            "its report is incomplete (the run that wrote it may have died)",
        ),
        "com.shop.PayTest.pays": (Outcome.PASSED, ""),
    }


def test_suites_that_hold_their_tests_in_nested_suites_or_declare_none_say_nothing(tmp_path):
    found = parse(
        tmp_path,
        '<testsuites><testsuite name="all" tests="1"><testsuite name="inner" tests="1">'
        '<testcase classname="inner" name="works"/></testsuite></testsuite>'
        '<testsuite name="pytest" tests="0" errors="0"/></testsuites>',
    )
    assert found == {"inner.works": (Outcome.PASSED, "")}
