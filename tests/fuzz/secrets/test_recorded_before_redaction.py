"""What an older orch recorded unredacted (a run in the store, an issue in the inbox) is masked
when ``orch triage`` and ``orch inbox`` show it again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from orch.adapters.local.inbox import InboxTracker
from orch.adapters.local.store import SqliteStore
from orch.ports import IssueDraft, Outcome, Progress, RunRecord, TestResult

ORCH = str(Path(sys.executable).parent / "orch")
LEAK = "could not connect to postgres://orders:old-pw-5150@db/x with API_TOKEN=old-tok-5150"


def orch(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}
    done = subprocess.run(
        [ORCH, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout + done.stderr


def test_old_records_are_shown_redacted(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    state = tmp_path / ".orch"
    store = SqliteStore(state)
    store.create_run(RunRecord("20260101-000000-aaaa", str(tmp_path), "", 1.0, status="running"))
    failed = TestResult(tmp_path.name, "tests/test_db.py::test_a", Outcome.FAILED, message=LEAK)
    store.record("20260101-000000-aaaa", Progress(finals=[failed], planned=1))
    store.update_run("20260101-000000-aaaa", status="finished", exit_code=1, ended_at=2.0)
    store.close()
    inbox = InboxTracker(state)
    inbox.create(IssueDraft(f"[orch] {LEAK}", f"body: {LEAK}", "f1", ("orch",), ""))
    inbox.close()
    said = [
        orch(tmp_path, "triage"),
        orch(tmp_path, "triage", "--format", "json"),
        orch(tmp_path, "inbox", "list"),
        orch(tmp_path, "inbox", "list", "--format", "json"),
        orch(tmp_path, "inbox", "show", "INBOX-1"),
        orch(tmp_path, "inbox", "show", "INBOX-1", "--format", "json"),
    ]
    for text in said:
        assert "old-pw-5150" not in text and "old-tok-5150" not in text, text
    assert "postgres://orders:***@db/x" in said[0]
    assert (
        json.loads(said[5])["body"]
        == "body: could not connect to postgres://orders:***@db/x with API_TOKEN=***"
    )
