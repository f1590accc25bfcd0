"""``orch triage --file-issues --dry-run`` against the fake Jira and GitHub: only reads, said.

And a tracker URL with credentials in it is never echoed, reachable or not. The real ``orch``
command runs, so orch's tokens also go through its start-up hand-over (out of the environment).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_trackers import DRAFT, GITHUB_TOKEN, JIRA_TOKEN, STATE_DIR, FakeGitHub, FakeJira

from orch.adapters.jira import JiraTracker
from orch.ports import EnvironmentProblem

ORCH = str(Path(sys.executable).parent / "orch")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuite name="shop" tests="2" failures="2">
  <testcase classname="tests.test_pay" name="test_refund" file="tests/test_pay.py">
    <failure message="KeyError: 'refund_id'">KeyError: 'refund_id'</failure>
  </testcase>
  <testcase classname="tests.test_db" name="test_connect" file="tests/test_db.py">
    <failure message="ConnectionRefusedError: [Errno 111] Connection refused">
      ConnectionRefusedError: [Errno 111] Connection refused
    </failure>
  </testcase>
</testsuite>
"""


def triage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "junit.xml").write_text(JUNIT)
    env = {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}
    return subprocess.run(
        [ORCH, "triage", "junit.xml", "--app", "shop", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_a_dry_run_only_reads_and_says_which_reads(
    tracker: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    fake: FakeGitHub | FakeJira = request.getfixturevalue(f"fake_{tracker}")
    done = triage(tmp_path, "--file-issues", "--dry-run", "--tracker", tracker)
    assert done.returncode == 0, done.stderr
    methods = [r.method for r in fake.server.requests]
    assert methods and not WRITES & set(methods), f"a dry run wrote: {methods}"
    assert fake.issues == {}
    assert done.stdout.count("would create") == 2
    assert f"dry run: wrote nothing to {tracker}; read it 2 time(s)" in done.stdout
    token = GITHUB_TOKEN if tracker == "github" else JIRA_TOKEN
    assert token not in done.stdout + done.stderr


def test_a_dry_run_of_a_known_closed_issue_would_reopen_it_without_writing(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    first = triage(tmp_path, "--file-issues", "--tracker", "github")
    assert first.returncode == 0, first.stderr
    assert len(fake_github.issues) == 2
    fake_github.close(1)
    before = len(fake_github.server.requests)
    done = triage(tmp_path, "--file-issues", "--dry-run", "--tracker", "github")
    assert done.returncode == 0, done.stderr
    later = [r.method for r in fake_github.server.requests[before:]]
    assert later and set(later) == {"GET"}
    assert "would reopen 1" in done.stdout and "would comment 2" in done.stdout
    assert fake_github.issues[1]["state"] == "closed" and fake_github.comments == {1: [], 2: []}


def test_credentials_in_a_tracker_url_are_never_echoed(
    fake_jira: FakeJira, monkeypatch: pytest.MonkeyPatch, closed_port: str, tmp_path: Path
) -> None:
    host = closed_port.removeprefix("http://")
    monkeypatch.setenv("ORCH_JIRA_URL", f"http://URLTOKEN9f8e:url-pw-1c2d@{host}")
    with pytest.raises(EnvironmentProblem) as raised:
        JiraTracker(STATE_DIR).create(DRAFT)
    assert str(raised.value) == f"cannot reach {closed_port}: connection refused"
    assert "URLTOKEN9f8e" not in repr(JiraTracker(STATE_DIR))
    done = triage(tmp_path, "--file-issues", "--tracker", "jira")
    said = done.stdout + done.stderr
    assert f"cannot reach {closed_port}: connection refused" in said
    assert "URLTOKEN9f8e" not in said and "url-pw-1c2d" not in said
    reachable = f"http://URLTOKEN9f8e:url-pw-1c2d@{fake_jira.server.url.removeprefix('http://')}"
    monkeypatch.setenv("ORCH_JIRA_URL", reachable)
    filed = triage(tmp_path, "--file-issues", "--tracker", "jira")
    assert filed.returncode == 0 and "created SHOP-1" in filed.stdout, filed.stderr
    assert "URLTOKEN9f8e" not in filed.stdout + filed.stderr
