"""JUnit ``<property>`` elements as the published outputs of a cross-application flow step.

A test whose framework reports in JUnit XML can publish named values as properties of its
testcase (pytest's ``record_property``, JUnit 5's report entries) instead of writing a file.
When orch runs a command's test as a flow step, ``ORCH_OUTPUTS`` names a JSON object file of the
step's outputs, which the test may also write itself: the testcase properties of every report
the command wrote join it, and a name the test wrote itself keeps the test's value. A suite's
properties do not: Surefire writes the JVM's system properties there, secrets passed with
``-D`` among them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from orch.adapters.junit.junitxml import ROOTS
from orch.adapters.junit.safexml import drop, iter_events, text_of
from orch.ports import ResultFileError

OUTPUTS_VARIABLE = "ORCH_OUTPUTS"
"""The variable naming a flow step's outputs file, in the step's process environment."""


def read_properties(path: Path) -> dict[str, str]:
    """The properties of ``path``'s testcases, by name (the last wins), streamed.

    Values are the text the file holds (``value``, else the element's text): JUnit has no other
    type.

    :raises ResultFileError: the file is not readable JUnit XML.
    """
    found: dict[str, str] = {}
    for event, element in iter_events(path, ROOTS):
        if event != "end":
            continue
        if element.tag == "property" and _of_a_testcase(element):
            name, value = element.get("name"), element.get("value")
            if name:
                found[name] = text_of(element) if value is None else value
        elif element.tag in ("testcase", "testsuite"):
            drop(element)
    return found


def _of_a_testcase(element: etree._Element) -> bool:
    """Whether a ``<property>`` sits in the ``<properties>`` of a testcase."""
    properties = element.getparent()
    if properties is None or properties.tag != "properties":
        return False
    owner = properties.getparent()
    return owner is not None and owner.tag == "testcase"


def publish(files: Iterable[Path], outputs: Path) -> None:
    """Merge the properties of ``files`` into the JSON object in ``outputs``, atomically and
    readable by this user only (``mkstemp``'s mode: the values may be secrets).

    A file that is not readable JUnit XML adds nothing (TestNG's; a broken one, whose own error
    result says why); an ``outputs`` that is not a JSON object is left as it is, for orch to
    report when it reads it.
    """
    found: dict[str, str] = {}
    for path in files:
        try:
            found.update(read_properties(path))
        except ResultFileError:
            continue
    if not found:
        return
    written = _written(outputs)
    if written is None:
        return
    text = json.dumps({**found, **written})
    handle, partial = tempfile.mkstemp(dir=outputs.parent, suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, outputs)
    except BaseException:
        os.unlink(partial)
        raise


def _written(outputs: Path) -> dict | None:
    """What the test wrote to ``outputs`` itself: {} when nothing, None when not a JSON object."""
    try:
        text = outputs.read_text(encoding="utf-8")
        held = json.loads(text) if text.strip() else {}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    return held if isinstance(held, dict) else None
