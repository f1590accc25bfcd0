"""Filing root causes: one issue per cluster, a comment per run, reopen, retry when unreachable."""

from __future__ import annotations

from orch.core.triage.analysis import triage
from orch.core.triage.filing import dry_run_reads, file_issues
from orch.ports import FailureStanding, Outcome, RunRecord, Standing, TestResult, TriageSettings
from orch.testing.fakes import FakeStore, FakeTracker

BOOM = "ConnectionRefusedError: [Errno 111] Connection refused"


def run(store: FakeStore, run_id: str, outcome: Outcome = Outcome.FAILED):
    store.create_run(RunRecord(run_id, "w", "c1", float(len(store.runs))))
    results = [
        TestResult("pay", f"tests/test_db.py::test_{n}", outcome, message=BOOM) for n in "ab"
    ]
    return triage(results, TriageSettings(), store=store, run_id=run_id, commit="c1")


def test_one_issue_per_root_cause_then_at_most_one_comment_per_run():
    store, tracker = FakeStore(), FakeTracker()
    first = file_issues(run(store, "r1"), tracker, store, "r1", "c1")
    assert [f.action for f in first] == ["created"]
    [(key, draft)] = tracker.drafts.items()
    assert draft.title.startswith("[orch] connection_refused: ConnectionRefusedError")
    assert "tests/test_db.py::test_a" in draft.body and "environment_issue" in draft.labels
    second = run(store, "r2")
    assert [f.action for f in file_issues(second, tracker, store, "r2", "c1")] == ["commented"]
    assert [f.action for f in file_issues(second, tracker, store, "r2", "c1")] == ["unchanged"]
    file_issues(run(store, "r3"), tracker, store, "r3", "c1")
    assert len(tracker.comments[key]) == 2 and len(tracker.issues) == 1
    assert {f.history for f in second.failures} == {FailureStanding(Standing.KNOWN, issue=key)}
    assert {str(f.history) for f in second.failures} == {f"known, {key}"}


def test_a_closed_issue_is_reopened_as_a_regression():
    store, tracker = FakeStore(), FakeTracker()
    [created] = file_issues(run(store, "r1"), tracker, store, "r1", "c1")
    tracker.close_issue(created.issue)
    [reopened] = file_issues(run(store, "r2"), tracker, store, "r2", "c1")
    assert reopened.action == "reopened"
    assert not tracker.issues[created.issue].closed
    assert "regression" in tracker.issues[created.issue].labels


def test_flaky_clusters_are_labelled_flaky_and_dry_run_files_nothing():
    store, tracker = FakeStore(), FakeTracker()
    report = run(store, "r1", Outcome.FLAKY)
    [would] = file_issues(report, tracker, store, "r1", "c1", dry_run=True)
    assert would.action == "would create" and tracker.issues == {}
    file_issues(report, tracker, store, "r1", "c1")
    [draft] = tracker.drafts.values()
    assert "flaky" in draft.labels
    assert would.draft == draft, "a dry run shows the whole draft, not only its title"
    assert len(draft.labels) == len(set(draft.labels)), "category and history both said flaky"


def test_an_unreachable_tracker_is_reported_and_filing_is_retried_next_run():
    store, tracker = FakeStore(), FakeTracker(unreachable=True)
    [failed] = file_issues(run(store, "r1"), tracker, store, "r1", "c1")
    assert failed.action == "failed" and failed.detail.endswith("will retry next run")
    assert "connection refused" in failed.detail
    tracker.unreachable = False
    [created] = file_issues(run(store, "r2"), tracker, store, "r2", "c1")
    assert created.action == "created"


def test_what_is_filed_is_redacted_and_a_dry_run_says_what_it_read(monkeypatch):
    monkeypatch.setenv("ORCH_GITHUB_TOKEN", "ghp_filing0123456789")
    store, tracker = FakeStore(), FakeTracker()
    store.create_run(RunRecord("r1", "w", "c1", 0.0))
    leaky = "cannot connect to postgres://orders:pw-9@db/x with ghp_filing0123456789"
    results = [TestResult("pay", "tests/test_db.py::test_a", Outcome.FAILED, message=leaky)]
    report = triage(results, TriageSettings(), store=store, run_id="r1", commit="c1")
    [would] = file_issues(report, tracker, store, "r1", "c1", dry_run=True)
    assert tracker.issues == {}
    assert dry_run_reads("github", [would]) == (
        f"dry run: wrote nothing to github; read it 1 time(s), looking up the issue of root "
        f"cause(s) {would.cluster}"
    )
    file_issues(report, tracker, store, "r1", "c1")
    [draft] = tracker.drafts.values()
    for text in (draft.title, draft.body):
        assert "pw-9" not in text and "ghp_filing0123456789" not in text
    assert "postgres://orders:***@db/x with ***" in draft.body


def test_what_is_filed_shows_control_and_bidirectional_characters_escaped():
    # issue 8 item 8: U+202E in a filed title reorders what the team reads on the tracker
    store, tracker = FakeStore(), FakeTracker()
    store.create_run(RunRecord("r1", "w", "c1", 0.0))
    hostile = "ValueError: cannot open invoice\u202etxt.exe \x1b[31mred\x9b"
    results = [TestResult("pay", "tests/test_pdf.py::test_a", Outcome.FAILED, message=hostile)]
    file_issues(triage(results, TriageSettings(), store=store, run_id="r1"), tracker, store, "r1")
    [draft] = tracker.drafts.values()
    for text in (draft.title, draft.body):
        assert not any(char in text for char in "\u202e\x1b\x9b"), text
    assert "invoice\\u202etxt.exe \\x1b[31mred\\x9b" in draft.body
    assert "\n" in draft.body, "the body keeps its lines"
