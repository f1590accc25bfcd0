"""Seeded fuzzing of what tests print and raise, through every report orch writes and shows.

A generated project's tests print, write to stderr, raise, skip and xfail with hostile strings
(lone surrogates, NUL and other C0 controls, terminal escape sequences, C1 and bidirectional
controls, XML's ``]]>`` and ``</testcase>``, non-characters, long lines) and write invalid UTF-8
bytes straight to their file descriptors. The run must fail as tests fail (exit 1, never 3), and
every writer must hold: the JSON report and ``--format json`` parse and carry no raw C1 or bidi
control, the JUnit XML parses, and nothing shown on the terminal (run summary, triage, issue
drafts, the inbox) has a raw ESC, C1 or bidi control in it.
"""

from __future__ import annotations

import json
import random
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from orch_cli import write_files
from wall_clock import budget

SEED = 20261202
TESTS = 24
BIDI = [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))]
C1 = [chr(c) for c in range(0x80, 0xA0)]
C0 = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]
PIECES = [
    "\x1b[31m",
    "\x1b[2J\x1b[H",
    "\x1b]0;pwned\x07",
    "\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m",
    "]]>",
    "</testcase></testsuite><testsuite name='x'>",
    "<![CDATA[",
    "&amp;&#0;",
    "\"'\\",
    "\ufffe\uffff",
    "\u2028\u2029",
    "e\u0301\u0327",
    "\U0001f4a5",
    "ünïcödé 中文 العربية",
    "\r\n",
    "\t",
]
MAX_BYTES = 60_000
"""Each report stays this small although tests print megabytes (limits set in the workflow)."""
BUDGET_SECONDS = budget(20.0)
"""The whole fuzz run (several orch commands on one project) takes at most this long."""


def hostile(rng: random.Random) -> str:
    """One generated hostile string of a few to a few hundred characters."""
    parts = []
    for _ in range(rng.randint(1, 12)):
        kind = rng.random()
        if kind < 0.15:
            parts.append(chr(rng.randint(0xD800, 0xDFFF)))  # a lone surrogate
        elif kind < 0.3:
            parts.append(rng.choice(BIDI))
        elif kind < 0.45:
            parts.append(rng.choice(C1))
        elif kind < 0.55:
            parts.append(rng.choice(C0))
        elif kind < 0.85:
            parts.append(rng.choice(PIECES))
        else:
            parts.append("".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(1, 20))))
    return "".join(parts)


def hostile_test_file(rng: random.Random) -> str:
    """The source of a test file whose tests produce hostile output in every way pytest shows."""
    lines = ["import os, sys, pytest", ""]
    for index in range(TESTS):
        a, b, c = hostile(rng), hostile(rng), hostile(rng)
        body = [f"    print({a!r})", f"    sys.stderr.write({b!r})"]
        kind = index % 6
        if kind == 0:
            body.append(f"    raise Exception({c!r})")
        elif kind == 1:
            body.append(f"    assert {a!r} == {c!r}")
        elif kind == 2:
            body.append(f"    pytest.skip({c!r})")
        elif kind == 3:
            body.append(f"    pytest.xfail({c!r})")
        elif kind == 4:
            raw = bytes(rng.randint(0x80, 0xFF) for _ in range(16))
            body += [f"    os.write(1, {raw!r})", f"    os.write(2, {raw!r})"]
            repeat = 2_000_000 // max(len(c), 1) + 1
            body.append(f"    sys.stdout.write({c!r} * {repeat})")  # 2 million characters, one line
            body.append("    raise RuntimeError('after a huge line')")
        else:
            body.append("    pass")
        lines += [f"def test_{index}():", *body, ""]
    return "\n".join(lines)


def hostile_junit(rng: random.Random, path: Path) -> None:
    """A JUnit XML file another tool wrote, its texts hostile within what XML can carry."""
    allowed = [c for c in BIDI + C1 + PIECES if all(ch not in "\x1b\x07\ufffe\uffff" for ch in c)]
    suite = ET.Element("testsuite", name="other", tests="5")
    for index in range(5):
        text = "".join(rng.choice(allowed) for _ in range(8))
        case = ET.SubElement(suite, "testcase", classname=f"pkg.Case{text}", name=f"t{index}")
        ET.SubElement(case, "failure", message=text).text = text * 3
        ET.SubElement(case, "system-out").text = text
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def assert_nothing_acts(text: str, where: str) -> None:
    """No ESC, C1 or bidi control reaches the reader raw, and no internal error."""
    assert "\x1b" not in text, where
    found = sorted({f"U+{ord(c):04X}" for c in text if c in BIDI or c in C1})
    assert not found, f"{where}: raw {found}"
    assert "internal error" not in text and "Traceback" not in text, where


def assert_json_is_clean(raw: bytes, where: str) -> dict:
    text = raw.decode("utf-8")  # strict: a lone surrogate could not have been written
    assert_nothing_acts(text, where)
    return json.loads(text)


def test_hostile_output_survives_every_report(tmp_path, orch):
    rng = random.Random(SEED)
    write_files(
        tmp_path,
        {
            "orch.yaml": (
                "applications: {fuzz: {path: ., runner: pytest}}\n"
                "execution: {workers: 2, output: {head: 2000, tail: 2000}}\n"
            ),
            "tests/test_fuzz.py": hostile_test_file(rng),
        },
    )
    hostile_junit(rng, tmp_path / "other.xml")
    began = time.monotonic()

    done = orch("run", ".", "--json", "out/report.json", "--junit-xml", "out/junit.xml")
    assert done.returncode == 1, done.stderr[-2000:]
    assert_nothing_acts(done.stdout + done.stderr, "orch run")
    report = assert_json_is_clean((tmp_path / "out/report.json").read_bytes(), "report.json")
    assert len(report["tests"]) == TESTS
    assert {t["outcome"] for t in report["tests"]} >= {"failed", "skipped", "xfailed", "passed"}
    assert sum("characters cut" in t["stdout"] for t in report["tests"]) == TESTS // 6
    assert "\\u" in done.stdout and "\\x" in done.stdout, "the hostile text is shown, escaped"
    junit = (tmp_path / "out/junit.xml").read_bytes()
    assert_nothing_acts(junit.decode("utf-8"), "junit.xml")
    assert len(ET.fromstring(junit).findall(".//testcase")) == TESTS
    for name in ("report.json", "junit.xml"):
        assert (tmp_path / "out" / name).stat().st_size < MAX_BYTES * TESTS // 4, name

    printed = orch("run", ".", "--format", "json")
    assert printed.returncode == 1, printed.stderr[-2000:]
    assert_json_is_clean(printed.stdout.encode("utf-8"), "--format json")
    assert_nothing_acts(printed.stderr, "--format json stderr")

    for command in (  # each command costs orch's start-up (about a second): the telling ones
        ("triage",),
        ("triage", "other.xml", "--format", "json"),
        ("triage", "--file-issues", "--dry-run"),
        ("triage", "--file-issues"),
        ("inbox", "list"),
        ("inbox", "show", "INBOX-1"),
    ):
        shown = orch(*command)
        assert shown.returncode == 0, f"{command}: exit {shown.returncode}: {shown.stderr[-2000:]}"
        assert_nothing_acts(shown.stdout + shown.stderr, " ".join(command))
        if "json" in command:
            json.loads(shown.stdout)
    assert time.monotonic() - began < BUDGET_SECONDS
