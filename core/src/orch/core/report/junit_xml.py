"""The built-in JUnit XML reporter: ``orch run --junit-xml PATH`` (``reports["junit-xml"]``)
writes the merged JUnit XML of the run when it finishes.

The writer is imported only when a report is asked for: every command loads this plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from orch.ports import RunResult, hookimpl

REPORT = "junit-xml"


@hookimpl
def orch_run_finish(result: RunResult, reports: Mapping[str, Path]) -> str | None:
    path = reports.get(REPORT)
    if path is None:
        return None
    from orch.core.report.files import write_junit_xml, written

    return written(path, lambda: write_junit_xml(result, path))
