"""The shapes of the Markdown summary (contrib/markdown-summary) the end-to-end test does not
reach: a run with no tests, with more failures than are listed, quick tests only, problems."""

from __future__ import annotations

from orch.core.shared.outcomes import count
from orch.markdown_summary.plugin import FAILURES_SHOWN, summary_of
from orch.ports import ExitCode, Outcome, RunResult, TestResult


def run(results: list[TestResult], exit_code: ExitCode, problems: tuple[str, ...] = ()) -> str:
    return summary_of(
        RunResult("r1", tuple(results), count(results), exit_code, 1.5, problems=problems)
    )


def test_a_run_without_tests_is_its_verdict_and_counts_only() -> None:
    text = run([], ExitCode.NOTHING_SELECTED)
    assert text == "## orch run r1: exit code 5\n\nno tests in 1.50s\n\n"


def test_quick_passing_tests_get_the_counts_table_and_no_slowest_list() -> None:
    quick = [TestResult("shop", f"t.py::test_{n}", Outcome.PASSED, 0.001) for n in range(3)]
    text = run(quick, ExitCode.OK)
    assert text.startswith("## orch run r1: passed\n\n3 passed in 1.50s\n\n")
    assert "| passed | 3 |" in text
    assert "failing" not in text and "slowest" not in text


def test_failures_past_the_listed_ones_are_counted() -> None:
    failing = [
        TestResult("shop", f"t.py::test_{n}", Outcome.FAILED, 0.001, message=f"boom {n}")
        for n in range(FAILURES_SHOWN + 7)
    ]
    text = run(failing, ExitCode.TESTS_FAILED)
    assert f"### {FAILURES_SHOWN + 7} failing test(s)" in text
    assert sum("| failed | boom" in line for line in text.splitlines()) == FAILURES_SHOWN
    assert text.endswith("\nand 7 more\n\n")


def test_problems_are_listed_each_on_one_inert_line() -> None:
    passed = [TestResult("shop", "t.py::test_ok", Outcome.PASSED, 0.2)]
    problem = "reports/run.json: the report could not be written (Is a directory)\nsecond line"
    text = run(passed, ExitCode.ENVIRONMENT_ERROR, problems=(problem,))
    assert "### slowest 1 test(s)" in text
    assert text.endswith(
        "### problems\n\n- reports\\/run\\.json\\: the report could not be written \\(Is a "
        "directory\\)\n\n"
    )
