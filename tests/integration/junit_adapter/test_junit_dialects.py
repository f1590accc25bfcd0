"""The JUnit XML and TestNG parsers on real (and documented hand-written) result files."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.adapters.junit import JUnitXmlParser, TestNGParser
from orch.adapters.junit.safexml import typed
from orch.ports import Outcome, TestResult

DATA = Path(__file__).parents[2] / "data" / "junit"


def parse(name: str) -> dict[str, TestResult]:
    parser = TestNGParser() if name.startswith("testng") else JUnitXmlParser()
    results = parser.parse(DATA / name, "shop")
    by_id = {result.nodeid: result for result in results}
    assert len(by_id) == len(results), "one result per test"
    assert all(result.app == "shop" for result in results)
    assert all(result.message == result.message.strip() for result in results)
    return by_id


def outcomes(results: dict[str, TestResult]) -> dict[str, str]:
    return {nodeid: result.outcome.value for nodeid, result in results.items()}


def test_node_reporter_names_tests_by_their_suite_path() -> None:
    results = parse("node-junit.xml")
    assert outcomes(results) == {
        "/tmp/shop-web/test/broken.test.js": "failed",
        "adds numbers": "passed",
        "compares strings": "failed",
        "throws a TypeError": "failed",
        "skipped with reason": "skipped",
        "todo item": "skipped",
        "cart > is empty at first": "passed",
        "cart > checkout > charges the card": "passed",
        "cart > checkout > rejects an expired card": "failed",
        "parent with subtests > child one": "passed",
        "parent with subtests > child two": "failed",
        "adds numbers (2)": "failed",
        "slow one": "timeout",
        "with failing hook > needs db": "error",
    }
    assert results["skipped with reason"].message == "not on linux"
    assert results["todo item"].message == "todo: write it later"
    failed = results["compares strings"]
    assert failed.message == "Expected values to be strictly equal:\n\n'ab' !== 'abc'"
    diff = results["parent with subtests > child two"].message  # node 20 flattened it
    assert diff.splitlines()[1:] == [
        "+ actual - expected",
        "",
        "  {",
        "+   a: 1",
        "-   a: 2",
        "  }",
    ]
    assert "AssertionError [ERR_ASSERTION]" in failed.longrepr
    assert "cart.test.mjs:5" in failed.longrepr
    assert results["adds numbers"].duration == pytest.approx(0.006377)


@pytest.mark.parametrize("name", ["pytest-xunit1.xml", "pytest-xunit2.xml"])
def test_pytest_junitxml_in_both_families(name: str) -> None:
    results = parse(name)
    assert outcomes(results) == {
        "tests.test_shop.test_total": "passed",
        "tests.test_shop.test_discount": "failed",
        "tests.test_shop.test_uses_db": "error",
        "tests.test_shop.test_gateway": "skipped",
        "tests.test_shop.test_rounding": "xfailed",
        "tests.test_shop.test_xpass": "passed",
        "tests.test_shop.TestRefund.test_refund[eur]": "passed",
        "tests.test_shop.TestRefund.test_refund[usd]": "failed",
        "td.test_td.test_pass_then_teardown_error": "error",
        "td.test_td.test_fail_then_teardown_error": "failed",
    }
    discount = results["tests.test_shop.test_discount"]
    assert discount.message.startswith("AssertionError: discount is wrong\nassert 1.5 == 1.4")
    assert "tests/test_shop.py:18: AssertionError" in discount.longrepr
    assert "database is unreachable" in results["tests.test_shop.test_uses_db"].message
    assert results["tests.test_shop.test_gateway"].message == "payment gateway sandbox is down"
    both = results["td.test_td.test_fail_then_teardown_error"]
    assert "call failed" in both.longrepr and "teardown broke" in both.longrepr


def test_pytest_xunit1_keeps_file_and_captured_output() -> None:
    discount = parse("pytest-xunit1.xml")["tests.test_shop.test_discount"]
    assert discount.file == "tests/test_shop.py"
    assert "computing discount" in discount.stdout
    assert "warning: rounding" in discount.stderr
    assert parse("pytest-xunit2.xml")["tests.test_shop.test_discount"].file == ""


def test_surefire_reruns_make_flaky_or_failed() -> None:
    results = parse("surefire-TEST-com.shop.CartTest.xml")
    prefix = "com.shop.CartTest."
    assert outcomes(results) == {
        prefix + "startsEmpty": "passed",
        prefix + "addsItem": "failed",
        prefix + "throwsOnExpiredCard": "error",
        prefix + "chargesCard": "skipped",
        prefix + "refunds(String)[1]": "passed",
        prefix + "refunds(String)[2]": "passed",
        prefix + "gatewayResponds": "flaky",
        prefix + "reservesStock": "flaky",
        prefix + "appliesCoupon": "failed",
    }
    added = results[prefix + "addsItem"]
    assert added.message == ("AssertionFailedError: total is wrong ==> expected: <3> but was: <2>")
    assert added.stdout == "adding an item to cart 42\n"
    assert added.stderr == "WARN price list is stale\n"
    assert results[prefix + "throwsOnExpiredCard"].message == (
        "IllegalStateException: card.expiry is null"
    )
    flaky = results[prefix + "gatewayResponds"]
    assert flaky.message == "SocketTimeoutException: gateway timed out after 500 ms"
    assert "Gateway.java:88" in flaky.longrepr
    assert "calling gateway (run 1)" not in flaky.longrepr
    assert "Inventory.java:51" in results[prefix + "reservesStock"].longrepr
    coupon = results[prefix + "appliesCoupon"]
    assert coupon.message == "AssertionFailedError: discount ==> expected: <5> but was: <4>"
    assert coupon.longrepr.count("--- rerun") == 2
    assert "but was: <3>" in coupon.longrepr


def test_gradle_repeated_testcases_are_reruns_and_suite_output_goes_to_failures() -> None:
    results = parse("gradle-TEST-com.shop.CartTest.xml")
    prefix = "com.shop.CartTest."
    assert outcomes(results) == {
        prefix + "startsEmpty()": "passed",
        prefix + "addsItem()": "failed",
        prefix + "chargesCard()": "skipped",
        prefix + "refunds(String)[1]": "passed",
        prefix + "refunds(String)[2]": "passed",
        prefix + "gatewayResponds()": "flaky",
        prefix + "appliesCoupon()": "failed",
    }
    gateway = results[prefix + "gatewayResponds()"]
    assert gateway.message == "java.net.SocketTimeoutException: gateway timed out after 500 ms"
    assert gateway.duration == pytest.approx(0.512)
    coupon = results[prefix + "appliesCoupon()"]
    assert "but was: <4>" in coupon.longrepr and "but was: <3>" in coupon.longrepr
    assert coupon.stdout.count("cart created") == 1, "the suite's output is not repeated"
    assert "cart created" in results[prefix + "addsItem()"].stdout
    assert results[prefix + "startsEmpty()"].stdout == ""


def test_ant_junit() -> None:
    results = parse("ant-junit.xml")
    assert outcomes(results) == {
        "com.shop.CartTest.addsItem": "failed",
        "com.shop.CartTest.startsEmpty": "passed",
        "com.shop.CartTest.chargesCard": "skipped",
        "com.shop.CartTest.throwsOnExpiredCard": "error",
    }
    assert results["com.shop.CartTest.chargesCard"].message == "sandbox is down"
    assert results["com.shop.CartTest.addsItem"].message == (
        "AssertionFailedError: total is wrong expected:<3> but was:<2>"
    )


def test_jest_junit_uses_the_full_title() -> None:
    results = parse("jest-junit.xml")
    assert outcomes(results) == {
        "Cart starts empty": "passed",
        "Cart adds an item": "failed",
        "Cart applies a coupon": "skipped",
        "Cart pending test": "passed",
        "Cart checkout charges the card": "passed",
        "Cart checkout throws on expired card": "failed",
        "adds": "passed",
        "divides": "failed",
    }
    card = results["Cart checkout throws on expired card"]
    assert card.message == "TypeError: card.expiry is undefined"
    assert card.file == "jt/cart.test.js"
    assert "adding an item" in card.stdout


def test_mocha_junit_reporter_numbers_same_titles_from_two_files() -> None:
    results = parse("mocha-junit-reporter.xml")
    assert results["Cart adds an item"].message == "AssertionError: total is wrong\n\n2 !== 3"
    assert results["Cart pending test"].outcome is Outcome.SKIPPED
    second = results["Cart checkout throws on expired card (2)"]
    assert second.message == "RangeError: card.expiry is undefined"
    assert second.file.endswith("test/cart.spec.js")
    assert len(results) == 12


def test_testng_results() -> None:
    results = parse("testng-results.xml")
    prefix = "com.shop.CartTest."
    assert outcomes(results) == {
        "com.shop.PaymentTest.connect": "error",
        "com.shop.PaymentTest.charges": "skipped",
        prefix + "addsItem": "failed",
        prefix + "flakyGateway": "flaky",
        prefix + "refunds[usd]": "failed",
        prefix + "refunds[eur]": "passed",
        prefix + "startsEmpty": "passed",
        prefix + "skippedByThrow": "skipped",
        prefix + "throwsOnExpiredCard": "failed",
        prefix + "checksOut": "skipped",
    }
    connect = results["com.shop.PaymentTest.connect"]
    assert connect.message == ("IllegalStateException: database is unreachable at 127.0.0.1:5432")
    assert "PaymentTest.java" in connect.longrepr
    assert results[prefix + "flakyGateway"].message == "RuntimeException: gateway timed out"
    assert results[prefix + "skippedByThrow"].message == "SkipException: sandbox is down"
    assert results[prefix + "startsEmpty"].stdout == "cart created"
    assert results[prefix + "addsItem"].duration == pytest.approx(0.010)


def test_testng_retried_attribute_marks_a_failed_try(tmp_path: Path) -> None:
    path = tmp_path / "testng-results.xml"
    path.write_text(
        '<testng-results><suite name="s"><test name="t"><class name="a.B">'
        '<test-method name="m" status="SKIP" retried="true" duration-ms="5">'
        '<exception class="java.io.IOException"><message>reset</message></exception>'
        "</test-method>"
        '<test-method name="m" status="FAIL" duration-ms="7">'
        '<exception class="java.io.IOException"><message>reset again</message></exception>'
        "</test-method>"
        '<test-method name="setUp" status="PASS" is-config="true"/>'
        "</class></test></suite></testng-results>"
    )
    [result] = TestNGParser().parse(path, "shop")
    assert (result.nodeid, result.outcome) == ("a.B.m", Outcome.FAILED)
    assert result.message == "IOException: reset"
    assert result.duration == pytest.approx(0.012)


def test_testcases_outside_any_suite_and_odd_attributes(tmp_path: Path) -> None:
    path = tmp_path / "odd.xml"
    path.write_text(
        '<testsuites name="custom">'
        '<testcase classname="pkg.Mod" name="ok" time="1,234.5"/>'
        '<testcase classname="pkg.Mod" name="bad time" time="soon"/>'
        '<testcase classname="pkg.Mod" name="">'
        '<error type="ExceptionInInitializerError"/></testcase>'
        '<testcase name="bare"><failure>first line\nsecond line</failure></testcase>'
        "</testsuites>"
    )
    results = {r.nodeid: r for r in JUnitXmlParser().parse(path, "shop")}
    assert results["pkg.Mod.ok"].duration == pytest.approx(1234.5)
    assert results["pkg.Mod.bad time"].duration == 0.0
    assert results["pkg.Mod"].message == "ExceptionInInitializerError"
    assert results["bare"].message == "first line"
    assert results["bare"].longrepr == "first line\nsecond line"


def test_a_type_already_in_the_message_is_not_repeated() -> None:
    """Issue 7 item 13: ``DatabaseConnectionError: orders.db.DatabaseConnectionError: ...``."""
    qualified = "orders.db.DatabaseConnectionError: unreachable"
    assert typed("DatabaseConnectionError", qualified) == qualified
    assert typed("IOError", "IOError: disk") == "IOError: disk"
    assert typed("IOError", "disk full") == "IOError: disk full"
    assert typed("Error", "MyError: x") == "Error: MyError: x"
    assert typed("", "x") == "x" and typed("IOError", "") == "IOError"


@pytest.mark.parametrize(
    ("trace", "expected"),
    [
        ("Error: x\n\nwant:\n+ a\n- b\nstack", "want:\n+ a\n- b"),
        ("\nwant:+ a\n\n\n- b", "want:+ a\n\n\n- b"),
        ("want:\n+ a\n- b\n", "want:\n+ a\n- b"),
    ],
)
def test_a_message_whose_newlines_were_dropped_gets_them_back(
    tmp_path: Path, trace: str, expected: str
) -> None:
    """Node 20 writes ``message="want:+ a- b"`` for the three lines in the failure's text."""
    path = tmp_path / "node.xml"
    path.write_text(
        f'<testsuites><testcase name="t"><failure message="want:+ a- b">{trace}</failure>'
        "</testcase></testsuites>"
    )
    [result] = JUnitXmlParser().parse(path, "shop")
    assert result.message == expected
