"""The built-in JSON reporter: ``orch run --json PATH`` (``reports["json"]``) writes the JSON
report of the run when it finishes.

It wraps every other ``orch_run_finish`` implementation and writes after them, so the report
holds the problems each of them met (a JUnit XML file that could not be written, say). The
writer is imported only when a report is asked for: every command loads this plugin.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from pathlib import Path

from orch.ports import RunResult, hookimpl

REPORT = "json"


@hookimpl(wrapper=True)
def orch_run_finish(
    result: RunResult, reports: Mapping[str, Path]
) -> Generator[None, list[str], list[str]]:
    problems = yield
    path = reports.get(REPORT)
    if path is None:
        return problems
    from orch.core.report.files import write_json_report, written

    final = result
    for problem in problems:
        final = final.lacking(problem)
    own = written(path, lambda: write_json_report(final, path, final.record))
    return [*problems, own] if own else problems
