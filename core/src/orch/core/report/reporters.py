"""The built-in reporters: the merged JUnit XML and the JSON report, plugins on
``orch_run_finish`` like any third-party reporter.

``requested`` turns the report options of ``orch run`` (``Engine.execute(junit_xml=...,
json_report=...)``) into these plugins. A report that cannot be written (its folder replaced or
made read-only during the run: it was checked before) is a problem of the run, said in its
summary and the other reports, not an end without any. The JSON report is written last (a hook
wrapper), so it holds the problems every other reporter met.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path

from orch.core.report.files import write_json_report, write_junit_xml
from orch.ports import hookimpl
from orch.ports.run import RunResult


class JUnitXmlReport:
    """Writes the merged JUnit XML of the run to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl
    def orch_run_finish(self, result: RunResult) -> str | None:
        return written(self.path, lambda: write_junit_xml(result, self.path))


class JsonReport:
    """Writes the JSON report of the run to ``path``, after every other reporter."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @hookimpl(wrapper=True)
    def orch_run_finish(self, result: RunResult) -> Generator[None, list[str], list[str]]:
        problems = yield
        final = result
        for problem in problems:
            final = final.lacking(problem)
        own = written(self.path, lambda: write_json_report(final, self.path, final.record))
        return [*problems, own] if own else problems


def requested(junit_xml: Path | None, json_report: Path | None) -> list[object]:
    """The built-in reporters for the report options given (none for None)."""
    plugins: list[object] = []
    if junit_xml is not None:
        plugins.append(JUnitXmlReport(junit_xml))
    if json_report is not None:
        plugins.append(JsonReport(json_report))
    return plugins


def written(path: Path, write: Callable[[], None]) -> str | None:
    """None once ``write`` has written ``path``; else the problem, for ``orch_run_finish``."""
    try:
        write()
    except OSError as error:
        return f"{path}: the report could not be written ({error.strerror})"
    return None
