"""Hostile test output through the real CLI: every writer survives it, shows it escaped, and keeps
only the head and tail of a huge one (issue 8, items 6, 8 and 9)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from orch_cli import write_files

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
C1 = "".join(chr(code) for code in range(0x80, 0xA0))

SURROGATE_TEST = {
    "tests/test_s.py": """\
        def test_surrogate():
            print("printed \\udcff")
            raise Exception("\\udcff")

        def test_fine():
            pass
    """
}


def assert_nothing_acts(text: str) -> None:
    """No ESC, C1 or bidi control reaches the reader raw."""
    assert "\x1b" not in text
    assert not any(char in text for char in BIDI + C1)


def test_a_lone_surrogate_in_an_exception_fails_the_test_not_the_run(tmp_path, orch):
    """Item 6: ``raise Exception("\\udcff")`` ended the run with exit 3, no report at all."""
    write_files(tmp_path, SURROGATE_TEST)
    done = orch("run", ".", "--json", "out/report.json", "--junit-xml", "out/junit.xml")
    assert done.returncode == 1, done.stderr
    assert "Exception: \\udcff" in done.stdout, "the terminal summary shows it"
    report = json.loads((tmp_path / "out/report.json").read_text(encoding="utf-8"))
    failed = next(t for t in report["tests"] if t["outcome"] == "failed")
    assert failed["message"] == "Exception: \\udcff"
    ET.parse(tmp_path / "out/junit.xml")
    code, printed = orch.json(".")
    assert code == 1 and printed["summary"]["failed"] == 1, "--format json prints the report"
    triaged = orch("triage", "out/junit.xml", "--file-issues", "--dry-run")
    assert triaged.returncode in (0, 1) and "\\udcff" in triaged.stdout, triaged.stderr


def test_bidi_and_c1_controls_are_escaped_in_the_terminal_triage_and_json(tmp_path, orch):
    """Item 8: U+202E and the other bidi controls were printed raw in the terminal and triage
    text, and the JSON report carried raw C1 controls."""
    hostile = f"evil{BIDI}{C1}gnp.exe"
    write_files(
        tmp_path,
        {
            "tests/test_b.py": f"""\
                def test_bidi():
                    print({hostile!r})
                    raise AssertionError({hostile!r})
            """
        },
    )
    done = orch("run", ".", "--json", "out/report.json", "--junit-xml", "out/junit.xml")
    assert done.returncode == 1, done.stderr
    assert_nothing_acts(done.stdout + done.stderr)
    assert "\\u202e" in done.stdout and "\\x9b" in done.stdout
    raw = (tmp_path / "out/report.json").read_bytes().decode("utf-8")
    assert_nothing_acts(raw)
    test = json.loads(raw)["tests"][0]
    assert hostile in test["stdout"], "escaped in the file, the same text for its readers"
    xml = (tmp_path / "out/junit.xml").read_bytes().decode("utf-8")
    assert_nothing_acts(xml)
    assert hostile in (ET.fromstring(xml).findtext(".//system-out") or "")
    for command in (
        ("triage",),
        ("triage", "out/junit.xml"),
        ("triage", "--file-issues", "--dry-run"),
        ("triage", "--format", "json"),
    ):
        shown = orch(*command)
        assert shown.returncode in (0, 1), shown.stderr
        assert_nothing_acts(shown.stdout + shown.stderr)
        assert "\\u202e" in shown.stdout, command
    filed = orch("triage", "--file-issues")
    assert filed.returncode in (0, 1), filed.stderr
    for command in (
        ("inbox", "list"),
        ("inbox", "show", "INBOX-1"),
        ("inbox", "list", "--format", "json"),
    ):
        shown = orch(*command)
        assert shown.returncode == 0, shown.stderr
        assert_nothing_acts(shown.stdout + shown.stderr)


def test_a_huge_output_keeps_its_head_and_tail_with_the_cut_said_in_place(tmp_path, orch):
    """Item 9: one test printing 100 MiB made a 105 MB JSON report and JUnit XML (and a 421 MB
    orchestrator). 20 MiB here, under limits set in the workflow."""
    write_files(
        tmp_path,
        {
            "orch.yaml": """\
                applications: {app: {path: ., runner: pytest}}
                execution: {output: {head: 1000, tail: 500}}
            """,
            "tests/test_big.py": """\
                import sys

                def test_big():
                    sys.stdout.write("FIRST" + "x" * (20 * 1024 * 1024) + "LAST")
                    raise ValueError("y" * 5_000_000)
            """,
        },
    )
    reports = ("--json", "out/report.json", "--junit-xml", "out/junit.xml")
    done = orch("run", ".", *reports, "--keep-raw-output")  # the event stream is looked at
    assert done.returncode == 1, done.stderr
    for name in ("report.json", "junit.xml"):
        assert (tmp_path / "out" / name).stat().st_size < 50_000, name
    test = json.loads((tmp_path / "out/report.json").read_text(encoding="utf-8"))["tests"][0]
    stdout = test["stdout"]
    assert stdout.startswith("FIRST") and stdout.endswith("LAST")
    assert f"\n… {20 * 1024 * 1024 + 9 - 1500:,} characters cut …\n" in stdout
    assert "characters cut" in test["message"] and "characters cut" in test["longrepr"]
    system_out = ET.parse(tmp_path / "out/junit.xml").getroot().findtext(".//system-out") or ""
    assert system_out == stdout
    events = list((tmp_path / ".orch" / "runs").glob("*/*/events.jsonl"))
    assert events and all(path.stat().st_size < 50_000 for path in events), (
        "cut in the test process: the event stream never carried the 20 MiB"
    )
