"""What orch keeps of a test's output: head and tail with the cut said in place, valid text."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from orch.core import load_workflow
from orch.core.shared.output_limits import cut, cut_marker, keep_output
from orch.ports import ConfigError, Outcome, OutputLimits, TestResult

PLUGIN = (
    Path(__file__).parents[2]
    / "adapters/pytest/src/orch/adapters/pytest/inject/orch_pytest_events.py"
)
SMALL = OutputLimits(head=10, tail=5)


def test_a_short_text_is_kept_whole():
    assert cut("x" * 15, SMALL) == "x" * 15
    text = "y" * (15 + 80)  # within the marker's room: cutting would hide more than it saves
    assert cut(text, SMALL) is text


def test_a_long_text_keeps_its_head_and_tail_and_says_how_much_was_cut():
    text = "H" * 10 + "m" * 1_000_000 + "T" * 5
    kept = cut(text, SMALL)
    assert kept == "H" * 10 + "\n… 1,000,000 characters cut …\n" + "T" * 5
    assert cut(kept, SMALL) is kept, "a text cut once is not cut again"


def test_limits_of_zero_keep_only_the_other_end():
    assert cut("a" * 200 + "end", OutputLimits(head=0, tail=3)) == cut_marker(200) + "end"
    assert cut("top" + "a" * 200, OutputLimits(head=3, tail=0)) == "top" + cut_marker(200)


def test_the_event_plugin_cuts_exactly_as_orch_does():
    """The plugin cuts in the test process and cannot import orch: both must say it the same
    way, or orch would cut a text the plugin already cut."""
    spec = importlib.util.spec_from_file_location("orch_pytest_events_copy", PLUGIN)
    assert spec is not None and spec.loader is not None
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    reporter = SimpleNamespace(head=SMALL.head, tail=SMALL.tail)
    for text in ("short", "z" * 95, "z" * 96, "é" * 10_000 + "end"):
        assert plugin._Reporter.cut(reporter, text) == cut(text, SMALL)


def test_a_result_keeps_head_and_tail_of_every_text_and_no_lone_surrogate():
    huge = "a" * 300_000
    result = TestResult(
        "app",
        "t.py::test",
        Outcome.FAILED,
        message="Exception: \udcff",
        longrepr=huge,
        stdout=huge + "\ud800",
        stderr="\u202e\x85 stays",
    )
    kept = keep_output(result, OutputLimits())
    assert kept.message == "Exception: \\udcff"
    assert len(kept.longrepr) < 140_000 and "… 168,928 characters cut …" in kept.longrepr
    assert kept.stdout.endswith("a\\ud800")
    assert kept.stderr == "\u202e\x85 stays", "C1 and bidi are escaped by each writer, not here"
    for text in (kept.message, kept.longrepr, kept.stdout, kept.stderr):
        text.encode("utf-8")


def test_a_result_with_nothing_to_cut_is_the_same_result():
    result = TestResult("app", "t.py::test", Outcome.PASSED, stdout="ünïcode ok\n")
    assert keep_output(result, OutputLimits()) is result


def test_the_workflow_sets_the_limits_under_execution(tmp_path, registry):
    (tmp_path / "app").mkdir()
    path = tmp_path / "orch.yaml"
    path.write_text(
        "applications: {app: {path: app, runner: pytest}}\n"
        "execution: {output: {head: 1000, tail: 200}}\n"
    )
    assert load_workflow(path, registry).execution.output == OutputLimits(1000, 200)
    path.write_text(
        "applications: {app: {path: app, runner: pytest}}\nexecution: {output: {tail: -1}}\n"
    )
    with pytest.raises(ConfigError, match=r"\$\.execution\.output\.tail: must not be negative"):
        load_workflow(path, registry)
