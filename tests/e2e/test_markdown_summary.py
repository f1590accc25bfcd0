"""The third-party reporter in ``contrib/markdown-summary``, installed like any plugin: ``orch run``
on a real project appends a Markdown summary to ``$ORCH_MARKDOWN_SUMMARY``, its untrusted test
output made inert."""

from __future__ import annotations

import re
from importlib.metadata import entry_points

from orch_cli import write_files

HOSTILE = "`rm -rf` | <img src=x onerror=alert(1)> [click](http://evil.example) @admin \u202eevil"

PROJECT = {
    "tests/test_shop.py": f"""
        import time

        def test_adds():
            assert 1 + 1 == 2

        def test_slow():
            time.sleep(0.3)

        def test_hostile():
            raise AssertionError({HOSTILE!r})
    """,
}

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_the_plugin_is_installed_through_the_orch_entry_point_group():
    [entry] = [e for e in entry_points(group="orch") if e.name == "markdown-summary"]
    assert entry.value == "orch.markdown_summary.plugin"
    assert entry.dist is not None and entry.dist.metadata["Name"] == "orch-markdown-summary"


def test_a_run_appends_its_summary_with_test_output_escaped(tmp_path, orch, monkeypatch):
    write_files(tmp_path, PROJECT)
    summary = tmp_path / "step-summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("ORCH_MARKDOWN_SUMMARY", str(summary))
    done = orch("run", ".")
    assert done.returncode == 1, done.stderr
    text = summary.read_text()
    assert text.startswith("# earlier step\n## orch run ")  # appended, as CI steps do
    assert ": exit code 1" in text and "2 passed, 1 failed in " in text
    assert "| passed | 2 |" in text and "| failed | 1 |" in text
    failing = text[text.index("### 1 failing test(s)") : text.index("### slowest")]
    [failure_row] = [line for line in failing.splitlines() if "test\\_hostile" in line]
    assert len(UNESCAPED_PIPE.findall(failure_row)) == 5  # test, outcome, message, category
    assert "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;" in failure_row
    assert "\\`rm \\-rf\\`" in failure_row and "\\|" in failure_row
    assert "\\[click\\]\\(http\\:" in failure_row and "\\@admin" in failure_row
    assert "\\u202eevil" in failure_row
    assert not re.search(r"(?<!\\)[`\[\]()@*_<>]", failure_row)  # each one escaped
    assert "<img" not in text and "\u202e" not in text
    slowest = text[text.index("### slowest") :]
    first = slowest.splitlines()[4]
    assert "test\\_slow" in first and re.search(r"\| 0\.[3-9]\ds \| passed \|", first)
    orch("run", ".")
    assert summary.read_text().count("## orch run ") == 2


def test_a_summary_that_cannot_be_written_is_a_problem_of_the_run(tmp_path, orch, monkeypatch):
    write_files(tmp_path, {"tests/test_one.py": "def test_one():\n    pass\n"})
    target = tmp_path / "missing" / "summary.md"
    monkeypatch.setenv("ORCH_MARKDOWN_SUMMARY", str(target))
    done = orch("run", ".")
    assert done.returncode == 4, done.stderr
    assert f"problem: {target}: the Markdown summary could not be written (" in done.stdout


def test_without_the_variable_nothing_is_written(tmp_path, orch, monkeypatch):
    write_files(tmp_path, {"tests/test_one.py": "def test_one():\n    pass\n"})
    monkeypatch.delenv("ORCH_MARKDOWN_SUMMARY", raising=False)
    done = orch("run", ".")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".orch", "tests"]
