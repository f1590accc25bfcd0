"""Reports other tools read: one merged JUnit XML for CI test reporters, and a JSON report.

Test output is untrusted: characters XML cannot carry are replaced, and everything is escaped by
the serialiser, so a test printing ``]]>`` or control bytes cannot break or inject into a report.
C1 and bidirectional controls are written escaped (``&#x202e;`` in XML, ``\u202e`` in JSON): a
reader gets the same text, and the file shows nothing reordered when opened or printed.
"""

from __future__ import annotations

import os
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from pathlib import Path

from orch.core.shared.outcomes import count
from orch.core.shared.untrusted_text import (
    BIDI_CONTROLS,
    C1_CONTROLS,
    character_class,
    escape,
    json_text,
)
from orch.ports import Outcome, RunRecord, TestResult
from orch.ports.flows import FLOW_MARKER, step_of
from orch.ports.run import RunResult

_NOT_XML = "^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff"
_XML_ESCAPED = f"{C1_CONTROLS}{BIDI_CONTROLS}"


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 forbids shown as ``\\xNN`` (``\\udcff``) instead."""
    return character_class(_NOT_XML).sub(lambda match: escape(match.group()), text)


def xml_document(tree: ET.Element) -> bytes:
    """``tree`` serialised as UTF-8, C1 and bidirectional controls as character references."""
    text = character_class(_XML_ESCAPED).sub(
        lambda m: f"&#x{ord(m.group()):x};", ET.tostring(tree, "unicode")
    )
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + text.encode("utf-8")


def junit_names(nodeid: str, file: str = "") -> tuple[str, str]:
    """(classname, name) the way CI reporters expect them, from a pytest nodeid or a JUnit id.

    An id that is a title rather than ``classname.name`` (words with spaces, as JavaScript
    runners name tests: ``cart > rejects an expired card``) keeps the whole title as its name
    and takes the test's ``file`` as its classname, so reporters group it by file.
    """
    if "::" in nodeid:
        path, *scopes = nodeid.split("::")
        module = path.removesuffix(".py").replace("/", ".")
        return ".".join([module, *scopes[:-1]]), scopes[-1] if scopes else path
    head, _, tail = nodeid.rpartition(".")
    if head and "[" not in head and not any(c.isspace() for c in head):
        return head, tail
    return file, nodeid


_FAILURE_TAG = {
    Outcome.FAILED: "failure",
    Outcome.ERROR: "error",
    Outcome.TIMEOUT: "error",
    Outcome.BLOCKED: "error",
}


def junit_tree(results: Iterable[TestResult]) -> ET.Element:
    """A ``<testsuites>`` element with one ``<testsuite>`` per application, and one per flow
    (``flow:NAME``), whose test cases are its steps (classname its application, name the
    step)."""
    by_app: dict[str, list[TestResult]] = {}
    for result in results:
        step = step_of(result)
        suite_name = result.app if step is None else FLOW_MARKER + step[0]
        by_app.setdefault(suite_name, []).append(result)
    root = ET.Element("testsuites", name="orch")
    for app, app_results in sorted(by_app.items()):
        counts = count(app_results)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=xml_text(app),
            tests=str(len(app_results)),
            failures=str(counts.failed),
            errors=str(counts.error + counts.timeout + counts.blocked),
            skipped=str(counts.skipped + counts.xfailed),
            time=f"{sum(r.duration for r in app_results):.3f}",
        )
        for result in app_results:
            _testcase(suite, result)
    totals = count(result for results in by_app.values() for result in results)
    root.set("tests", str(totals.done))
    root.set("failures", str(totals.failed))
    root.set("errors", str(totals.error + totals.timeout + totals.blocked))
    root.set("skipped", str(totals.skipped + totals.xfailed))
    return root


def _testcase(suite: ET.Element, result: TestResult) -> None:
    step = step_of(result)
    classname, name = (
        junit_names(result.nodeid, result.file) if step is None else (result.app, step[1])
    )
    case = ET.SubElement(
        suite,
        "testcase",
        classname=xml_text(classname),
        name=xml_text(name),
        time=f"{result.duration:.3f}",
    )
    if result.file:
        case.set("file", xml_text(result.file))
    tag = _FAILURE_TAG.get(result.outcome)
    message = xml_text(result.message)
    if tag:
        detail = ET.SubElement(case, tag, message=message, type=result.outcome.value)
        detail.text = xml_text(result.longrepr or result.message)
    elif result.outcome in (Outcome.SKIPPED, Outcome.XFAILED):
        ET.SubElement(case, "skipped", message=message, type=result.outcome.value)
    elif result.outcome is Outcome.FLAKY:
        flaky = ET.SubElement(case, "flakyFailure", message=message, type="flaky")
        flaky.text = xml_text(result.longrepr)
    if result.stdout:
        ET.SubElement(case, "system-out").text = xml_text(result.stdout)
    if result.stderr:
        ET.SubElement(case, "system-err").text = xml_text(result.stderr)


def write_junit_xml(result: RunResult, path: Path) -> None:
    """Write the merged JUnit XML of a run (atomically: a reader never sees half a file)."""
    tree = junit_tree(result.results)
    ET.indent(tree)
    _atomic_write(path, xml_document(tree))


def json_report(result: RunResult, record: RunRecord | None) -> dict:
    """The JSON report: run metadata, counts, each shard process (isolation, CPUs, CPU time,
    peak memory), each flow's timeline, each phase and its gate's verdict, each shard's
    priority terms, and every final result (a flow's steps among them)."""
    return {
        "run": {
            "id": result.run_id,
            "commit": record.commit if record else "",
            "workflow": record.workflow if record else "",
            "started_at": record.started_at if record else None,
            "ended_at": record.ended_at if record else time.time(),
            "seconds": round(result.seconds, 3),
            "exit_code": int(result.exit_code),
        },
        "summary": result.counts.as_dict(),
        "problems": list(result.problems),
        "triage": result.triage.as_json() if result.triage else None,
        "shards": [shard.as_json() for shard in result.shards],
        "flows": [flow.as_json() for flow in result.flows],
        "phases": [phase.as_json() for phase in result.phases],
        "priorities": [terms.as_json() for terms in result.priorities],
        "tests": [
            {
                "id": r.id,
                "app": r.app,
                "nodeid": r.nodeid,
                "outcome": r.outcome.value,
                "duration": round(r.duration, 6),
                "attempts": r.attempt,
                "message": r.message,
                "longrepr": r.longrepr,
                "stdout": r.stdout,
                "stderr": r.stderr,
                "markers": list(r.markers),
                "file": r.file,
            }
            for r in result.results
        ],
    }


def write_json_report(result: RunResult, path: Path, record: RunRecord | None) -> None:
    """Write the JSON report atomically."""
    _atomic_write(path, json_text(json_report(result, record)).encode("utf-8"))


def written(path: Path, write: Callable[[], None]) -> str | None:
    """None once ``write`` has written the report at ``path``; else the problem, which the
    reporter returns from ``orch_run_finish``. A report that cannot be written (its folder
    replaced or made read-only during the run: it was checked before) is a problem of the run,
    said in its summary and the other reports, not an end without any."""
    try:
        write()
    except OSError as error:
        return f"{path}: the report could not be written ({error.strerror})"
    return None


def _atomic_write(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # readable like any file the user writes, not mkstemp's 0600
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
