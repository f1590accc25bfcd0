"""The plugin: on ``orch_run_finish``, append the run's Markdown summary to the file named by
``$ORCH_MARKDOWN_SUMMARY`` (GitHub's ``$GITHUB_STEP_SUMMARY`` takes the same: each step appends).

It depends on ``orch.ports`` alone, as every third-party plugin should.
"""

from __future__ import annotations

import os
from pathlib import Path

from orch.markdown_summary.markdown import inert, table
from orch.ports import RunResult, hookimpl

ENVIRONMENT_VARIABLE = "ORCH_MARKDOWN_SUMMARY"
SLOWEST = 5
TIMED = 0.005
"""Tests quicker than this (seconds) are not listed among the slowest: their time is noise."""
FAILURES_SHOWN = 50
"""Failing tests listed by name; a run with more says how many more (a step summary is capped
at 1 MiB)."""


@hookimpl
def orch_run_finish(result: RunResult) -> str | None:
    """Append the summary of ``result`` to ``$ORCH_MARKDOWN_SUMMARY``; the problem if it cannot."""
    target = os.environ.get(ENVIRONMENT_VARIABLE)
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as summary:
            summary.write(summary_of(result))
    except OSError as error:
        return f"{path}: the Markdown summary could not be written ({error.strerror})"
    return None


def summary_of(result: RunResult) -> str:
    """The Markdown summary of a finished run."""
    verdict = "passed" if int(result.exit_code) == 0 else f"exit code {int(result.exit_code)}"
    interrupted = ", interrupted" if result.interrupted else ""
    lines = [
        f"## orch run {inert(result.run_id)}: {verdict}{interrupted}",
        "",
        f"{result.counts.line()} in {result.seconds:.2f}s",
        "",
    ]
    counted = [(name, str(n)) for name, n in result.counts.as_dict().items() if n]
    if counted:
        lines += [*table(("outcome", "tests"), counted), ""]
    failures = result.failed_tests
    if failures:
        rows = [
            (inert(f.id), f.result.outcome.value, inert(f.result.message), inert(f.category))
            for f in failures[:FAILURES_SHOWN]
        ]
        lines += [f"### {len(failures)} failing test(s)", ""]
        lines += table(("test", "outcome", "message", "category"), rows)
        if len(failures) > FAILURES_SHOWN:
            lines.append(f"\nand {len(failures) - FAILURES_SHOWN} more")
        lines.append("")
    slowest = [r for r in result.slowest(SLOWEST) if r.duration >= TIMED]
    if slowest:
        timed = [(inert(r.id), f"{r.duration:.2f}s", r.outcome.value) for r in slowest]
        lines += [f"### slowest {len(slowest)} test(s)", ""]
        lines += [*table(("test", "duration", "outcome"), timed), ""]
    if result.problems:
        lines += ["### problems", ""]
        lines += [f"- {inert(problem, 300)}" for problem in result.problems]
        lines.append("")
    return "\n".join(lines) + "\n"
