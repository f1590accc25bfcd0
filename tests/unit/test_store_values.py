"""The store's values: a run's state and spec, a test's outcome history, a failure's standing,
each read from (and shown as) the text orch wrote and showed before they were values."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from orch.ports import (
    FailureStanding,
    OutcomeHistory,
    RunRecord,
    RunSpec,
    RunState,
    Standing,
    TestFilter,
)


@pytest.mark.parametrize(
    ("standing", "shown"),
    [
        (FailureStanding(), ""),
        (FailureStanding(Standing.NEW), "new"),
        (FailureStanding(Standing.KNOWN, issue="KEY-1"), "known, KEY-1"),
        (FailureStanding(Standing.REGRESSION, flaky_rate=0.5), "regression"),
        (FailureStanding(Standing.FLAKY), "flaky"),
        (FailureStanding(Standing.FLAKY, flaky_rate=0.2), "flaky, 20% of recent runs"),
        (FailureStanding(Standing.FLAKY, 0.2, "KEY-1"), "flaky, 20% of recent runs, KEY-1"),
        (FailureStanding(Standing.FLAKY, issue="KEY-1"), "flaky, KEY-1"),
    ],
)
def test_a_standing_shows_the_text_triage_showed(standing: FailureStanding, shown: str) -> None:
    assert str(standing) == shown
    assert f"({standing})" == f"({shown})"  # as the summary and `orch triage` print it


def test_outcome_history_rates() -> None:
    assert (OutcomeHistory().failure_rate, OutcomeHistory().flaky_rate) == (0.0, 0.0)
    history = OutcomeHistory(runs=4, failures=1, flaky=2)
    assert (history.failure_rate, history.flaky_rate) == (0.25, 0.5)


def test_a_run_state_is_its_stored_text() -> None:
    record = RunRecord("r1", "orch.yaml", "c", 1.0, status="interrupted")  # type: ignore[arg-type]
    assert record.status is RunState.INTERRUPTED
    assert f"{record.status.value:<12}|" == "interrupted |"
    assert json.dumps({"status": RunState.FINISHED}) == '{"status": "finished"}'
    with pytest.raises(ValueError):
        RunRecord("r1", "orch.yaml", "c", 1.0, status="passed")  # type: ignore[arg-type]


def _as_orch_wrote(directory: str, workflow: str | None, options: dict) -> str:
    """The spec as ``orch run`` serialised it before RunSpec (options with None left out)."""
    return json.dumps(
        {
            "directory": directory,
            "workflow": workflow,
            **{key: value for key, value in options.items() if value is not None},
        }
    )


def test_a_spec_is_the_json_orch_run_wrote() -> None:
    narrow = TestFilter(paths=("tests/a.py",), marker="slow", tests=("tests/a.py::t",))
    spec = RunSpec(
        directory=Path("/p"),
        workers=3,
        retries=0,
        select="changed",
        head="HEAD~1",
        apps=("a", "b"),
        filters={"a": narrow},
    )
    options = {
        "workers": 3,
        "timeout": None,
        "retries": 0,
        "select": "changed",
        "base": None,
        "head": "HEAD~1",
        "apps": ["a", "b"],
        "filters": {"a": attrs.asdict(narrow)},
    }
    assert spec.as_json() == _as_orch_wrote("/p", None, options)
    assert RunSpec.from_json(spec.as_json()) == spec
    bare = RunSpec(directory=Path("/p"), workflow=Path("/p/orch.yaml"))
    assert bare.as_json() == _as_orch_wrote("/p", "/p/orch.yaml", {})


def test_an_older_spec_resumes_with_what_it_kept() -> None:
    """The first ``orch run`` kept the directory, the workflow and three options only; a key a
    newer orch added and this one does not know is left alone."""
    spec = RunSpec.from_json('{"directory": "/p", "workflow": "", "timeout": 5, "later": [1]}')
    assert spec == RunSpec(directory=Path("/p"), timeout=5)
    assert RunSpec.from_json("{}") == RunSpec()


def test_options_given_again_win_over_the_saved_ones() -> None:
    saved = RunSpec(Path("/p"), Path("/p/orch.yaml"), workers=2, retries=1, apps=("a",))
    given = RunSpec(Path("/elsewhere"), workers=5, filters={"a": TestFilter(keyword="x")})
    assert saved.overridden_by(given) == RunSpec(
        Path("/p"),
        Path("/p/orch.yaml"),
        workers=5,
        retries=1,
        apps=("a",),
        filters={"a": TestFilter(keyword="x")},
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[]", r"run spec \$: not an object"),
        ('{"workers": "4"}', r"\$\.workers: \"4\""),
        ('{"workers": true}', r"\$\.workers"),
        ('{"apps": ["a", 1]}', r"\$\.apps"),
        ('{"filters": {"a": {"paths": "t.py"}}}', r'\$\.filters\."a"\.paths'),
        ('{"filters": {"a": {"depth": 3}}}', r'\$\.filters\."a": not a test filter'),
    ],
)
def test_a_spec_orch_cannot_have_written_names_where_it_is_wrong(text: str, where: str) -> None:
    with pytest.raises(ValueError, match=where):
        RunSpec.from_json(text)
