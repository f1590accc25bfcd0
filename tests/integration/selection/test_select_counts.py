"""The selection summary counts tests as pytest runs them, not the ids it lists (issue 7, item 3).

A parametrised test is listed once, as its function, but runs each of its cases: "all 40 tests"
for 2,000 cases, "8 of 7 tests" and "1 tests" were what the summary said before.
"""

from __future__ import annotations

import pytest

MANY = """
    import pytest


    @pytest.mark.parametrize("n", range(50))
    def test_many(n):
        assert n >= 0
"""


@pytest.fixture
def ran(repo):
    """The shop with a 50-case test, committed and run once (so its cases are known)."""
    repo.write({"tests/test_many.py": MANY})
    repo.base = repo.commit("many cases")
    done = repo.orch("run", ".")
    assert done.returncode == 0, done.stdout + done.stderr
    return repo


def test_a_whole_application_counts_every_case(ran):
    ran.edit("pyproject.toml", "[tool.pytest.ini_options]", "# ci\n[tool.pytest.ini_options]")
    selection = ran.select("--base", ran.base)
    assert selection["total"] == selection["apps"]["shop"]["suite"] == 58
    printed = ran.orch("select", ".", "--base", ran.base).stdout
    assert "shop: all 58 tests (build or dependency file pyproject.toml changed)" in printed
    assert printed.rstrip().endswith("58 tests selected")


def test_one_test_is_one_test_of_the_cases_of_the_suite(ran):
    ran.edit("tests/test_audit.py", 'log("x") == "audit: x"', 'log("y") == "audit: y"')
    printed = ran.orch("select", ".", "--base", ran.base).stdout
    assert "shop: 1 of 58 tests" in printed
    assert printed.rstrip().endswith("\n1 test selected")


def test_a_case_listed_with_its_function_counts_once(ran):
    done = ran.orch("run", ".", "--record-coverage")
    assert done.returncode == 0, done.stdout + done.stderr
    ran.edit("src/payment/processor.py", "return -rounded(amount, code)", "return -abs(amount)")
    ran.edit(
        "tests/test_processor.py", "def test_refund(amount, eur):", "def test_refund(eur, amount):"
    )
    selection = ran.select("--base", ran.base)
    listed = {test["id"] for test in selection["selected"]}
    assert "tests/test_processor.py::test_refund" in listed
    assert "tests/test_processor.py::test_refund[1]" in listed
    assert selection["total"] == 3  # test_refund[1], test_refund[2], test_refund_twice
    assert selection["apps"]["shop"]["suite"] == 58
