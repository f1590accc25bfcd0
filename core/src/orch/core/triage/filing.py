"""Filing root causes as issues: one issue per cluster, never a duplicate.

A new root cause opens an issue; a recurrence comments on its open issue; a recurrence of a
closed issue reopens it labelled ``regression``; a cluster of flaky tests is labelled ``flaky``.
An unreachable tracker does not stop triage: the cluster is reported as not filed, and the next
run files it (nothing was linked, so it still looks new to the tracker). A dry run only reads:
it looks each root cause's issue up and says what it would do. Every title, body and comment is
redacted (``orch.core.shared.redaction``) before it reaches the tracker, whatever the results held.
"""

from __future__ import annotations

from collections import Counter

from attrs import evolve, frozen

from orch.core.shared.redaction import Redactor, orch_redactor
from orch.core.shared.untrusted_text import safe
from orch.core.triage.analysis import TriageReport
from orch.core.triage.clustering import Cluster
from orch.ports import FailureStanding, FailureStore, IssueDraft, IssueTracker, OrchError, Standing

TESTS_LISTED = 20

_PLAIN_FLAKY = FailureStanding(Standing.FLAKY)
"""The standing whose cluster is labelled ``flaky``: flaky with no recent rate and no issue yet
(the one whose shown text was exactly ``flaky``)."""


@frozen
class Filed:
    """What happened to one cluster: created, commented, reopened, or failed (with why);
    ``draft`` is the issue as it was (or, with ``dry_run``, would be) filed."""

    cluster: str
    action: str
    issue: str = ""
    detail: str = ""
    draft: IssueDraft | None = None


def file_issues(
    report: TriageReport,
    tracker: IssueTracker,
    store: FailureStore | None = None,
    run_id: str = "",
    commit: str = "",
    dry_run: bool = False,
    redactor: Redactor | None = None,
) -> list[Filed]:
    """File or update one issue per root cause of ``report``; with ``dry_run`` only say what
    would be done (the one call made is ``tracker.find``, a read). ``redactor`` masks secrets
    in what is filed (default: the patterns and orch's own credentials)."""
    redactor = redactor or orch_redactor()

    def outgoing(text: str) -> str:  # masked, and no control can reorder or act on a tracker
        return safe(redactor.text(text))

    actions = []
    for cluster in report.clusters:
        draft = draft_for(cluster, run_id, commit)
        draft = evolve(draft, title=outgoing(draft.title), body=outgoing(draft.body))
        try:
            existing = tracker.find(cluster.id)
            if dry_run:
                would = "create" if existing is None else "reopen" if existing.closed else "comment"
                key = existing.key if existing else ""
                actions.append(Filed(cluster.id, f"would {would}", key, draft.title, draft))
                continue
            if existing is None:
                issue = tracker.create(draft)
                action = "created"
            elif existing.closed:
                issue = tracker.reopen(existing, ("regression",))
                again = _recurrence(cluster, run_id, commit, "reopened: it is back")
                tracker.comment(issue, outgoing(again))
                action = "reopened"
            elif run_id and _filed_in(store, cluster, run_id):
                actions.append(Filed(cluster.id, "unchanged", existing.key, "already updated"))
                continue
            else:
                issue = existing
                tracker.comment(issue, outgoing(_recurrence(cluster, run_id, commit, "seen again")))
                action = "commented"
        except OrchError as problem:
            actions.append(Filed(cluster.id, "failed", "", f"{problem}; will retry next run"))
            continue
        if store is not None:
            for fingerprint in {f.fingerprint for f in cluster.failures}:
                store.link_issue(fingerprint, issue.key, run_id)
        actions.append(Filed(cluster.id, action, issue.key, draft.title, draft))
    return actions


def dry_run_reads(tracker: str, filed: list[Filed]) -> str:
    """What a dry run did to ``tracker``: the reads it made, and that it wrote nothing."""
    looked_up = [f.cluster for f in filed if f.action.startswith("would ")]
    failed = [f.cluster for f in filed if f.action == "failed"]
    said = f"dry run: wrote nothing to {tracker}; read it {len(looked_up) + len(failed)} time(s)"
    if looked_up:
        said += f", looking up the issue of root cause(s) {', '.join(looked_up)}"
    if failed:
        said += f"; could not read for {', '.join(failed)}"
    return said


def _filed_in(store: FailureStore | None, cluster: Cluster, run_id: str) -> bool:
    """Whether this run already updated the cluster's issue (at most one comment per run)."""
    if store is None:
        return False
    known = store.failure_history([f.fingerprint for f in cluster.failures])
    return bool(known) and all(h.filed_run == run_id for h in known.values())


def draft_for(cluster: Cluster, run_id: str, commit: str) -> IssueDraft:
    """Title, body, labels and assignee of the issue for ``cluster``."""
    failures = cluster.failures
    first = failures[0] if failures else None
    category = first.category if first else "to_investigate"
    labels = ["orch", category]
    if first and first.defect_type:
        labels.append(first.defect_type)
    if failures and all(f.history == _PLAIN_FLAKY for f in failures):
        labels.append("flaky")
    owners = Counter(f.assigned_to for f in failures if f.assigned_to)
    assignee = owners.most_common(1)[0][0] if owners else ""
    headline = cluster.representative.strip().splitlines()[0] if cluster.representative else ""
    tests = "\n".join(f"- `{test}`" for test in cluster.tests[:TESTS_LISTED])
    more = len(cluster.tests) - TESTS_LISTED
    body = "\n".join(
        [
            f"**{category}**: {headline}",
            "",
            "```",
            cluster.representative[:2000],
            "```",
            "",
            f"Tests ({len(cluster.tests)}):",
            tests + (f"\n- ... and {more} more" if more > 0 else ""),
            "",
            f"Applications: {', '.join(cluster.apps)}",
            f"Run: {run_id or 'n/a'}  Commit: {commit or 'n/a'}",
            f"Root cause: {cluster.cause}" if cluster.cause else "",
            f"Why {category}: {first.category_reason}" if first and first.category_reason else "",
            f"Suggestion: {first.suggestion}" if first and first.suggestion else "",
            "",
            f"orch-fingerprint: {cluster.id}",
        ]
    )
    title = f"[orch] {category}: {headline}"[:120]
    return IssueDraft(title, body, cluster.id, tuple(dict.fromkeys(labels)), assignee)


def _recurrence(cluster: Cluster, run_id: str, commit: str, what: str) -> str:
    return (
        f"orch: {what} in run {run_id or 'n/a'} at {commit or 'n/a'}: "
        f"{len(cluster.tests)} test(s), e.g. `{cluster.tests[0] if cluster.tests else ''}`"
    )
