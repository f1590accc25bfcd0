"""Secrets through the real ``orch`` command: tests print a database URL with its password,
passed-through secrets, an Authorization header and every ancestor's ``/proc/PID/environ`` up to
orch, while orch holds tracker tokens. No secret may appear in any output: the terminal, the
JUnit XML, the JSON report, triage (of the run and of the XML), the dry-run lines, the inbox
and every byte orch keeps in ``.orch/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ORCH = str(Path(sys.executable).parent / "orch")

SECRETS = {
    "ORCH_GITHUB_TOKEN": "ghp_e2eOrchOwnToken0123456789",
    "ORCH_JIRA_TOKEN": "jira-e2e-own-token-77aa",
    "ORCH_JIRA_URL": "http://jira-url-user-tok:jira-url-password-5@127.0.0.1:9",
    "CI_DEPLOY_TOKEN": "ci-deploy-token-91b2c3",
}
DB_PASSWORD = "s3cr3t-db-pw"
SERVICE_KEY = "svc-key-8f3a1c77e2"
BEARER = "eyJhbGciOiJIUzI1NiJ9.e2e-bearer-payload"
NEVER_SHOWN = [*SECRETS.values(), "jira-url-user-tok", "jira-url-password-5", DB_PASSWORD]
NEVER_SHOWN += [SERVICE_KEY, BEARER]

WORKFLOW = f"""
applications:
  shop:
    path: .
    runner: {{pytest: {{}}}}
    passenv: [CI_*]
    env: {{SERVICE_API_KEY: "{SERVICE_KEY}"}}
"""

TESTS = f'''
import os
import sys
from pathlib import Path

DB = "postgres://orders:{DB_PASSWORD}@db.internal:5432/orders"


def ancestors_up_to_orch():
    """Every ancestor's command line and environment, from the parent up to orch itself."""
    said, pid = [], os.getppid()
    while pid > 1:
        argv = Path(f"/proc/{{pid}}/cmdline").read_bytes().split(b"\\0")
        environ = Path(f"/proc/{{pid}}/environ").read_bytes()
        said.append(f"pid {{pid}}: {{argv!r}}\\n" + environ.decode(errors="replace"))
        said.append(environ.replace(b"\\0", b"\\n").decode(errors="replace"))
        if any(arg.endswith(b"/orch") or arg == b"orch" for arg in argv):
            return "\\n".join(said)
        status = Path(f"/proc/{{pid}}/status").read_text()
        pid = int(next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1])
    raise AssertionError("orch is not among the ancestors")


def test_database_url():
    print(f"connecting to {{DB}}")
    raise ConnectionError(f"could not connect to {{DB}}")


def test_passed_through_secrets():
    token, key = os.environ["CI_DEPLOY_TOKEN"], os.environ["SERVICE_API_KEY"]
    print(f"deploy with {{token}}; API_TOKEN={{token}}")
    sys.stderr.write("Authorization: Bearer {BEARER}\\n")
    assert key == "", f"key {{key}} and {{token}} sent as Authorization: Bearer {BEARER}"


def test_parent_environment():
    seen = ancestors_up_to_orch()
    print(seen)
    sys.stderr.write(seen)
    raise AssertionError(seen)
'''


def orch(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}
    env.update(SECRETS)
    return subprocess.run(
        [ORCH, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def leaks(text: str | bytes) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode(errors="surrogateescape")
    return [secret for secret in NEVER_SHOWN if secret.encode() in data]


def test_no_secret_reaches_any_output_of_a_real_run(tmp_path: Path) -> None:
    (tmp_path / "orch.yaml").write_text(WORKFLOW)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_secrets.py").write_text(textwrap.dedent(TESTS))
    run = orch(tmp_path, "run", ".", "--junit-xml", "out/junit.xml", "--json", "out/report.json")
    assert run.returncode == 1, run.stderr
    said = {"run": run.stdout + run.stderr}
    for args in (
        ["triage"],
        ["triage", "--format", "json"],
        ["triage", "out/junit.xml"],
        ["triage", "--file-issues", "--dry-run"],
        ["triage", "--file-issues"],
        ["inbox", "list"],
        ["inbox", "show", "INBOX-1"],
    ):
        done = orch(tmp_path, *args)
        assert done.returncode in (0, 1), (args, done.stderr)
        said[" ".join(args)] = done.stdout + done.stderr
    files = {
        str(path.relative_to(tmp_path)): path.read_bytes()
        for folder in (tmp_path / ".orch", tmp_path / "out")
        for path in folder.rglob("*")
        if path.is_file()
    }
    assert {"out/junit.xml", "out/report.json", ".orch/orch.db", ".orch/inbox.db"} <= set(files)
    found = {where: leaks(text) for where, text in {**said, **files}.items() if leaks(text)}
    assert not found, f"secrets shown: {found}"
    junit = files["out/junit.xml"].decode()
    assert "ORCH_CREDENTIALS_FD=" in junit and "CI_DEPLOY_TOKEN=***" in junit, "orch's environ"
    assert "ORCH_GITHUB_TOKEN=" not in junit, "not masked: gone from orch's /proc/PID/environ"
    assert "postgres://orders:***@db.internal" in junit and "API_TOKEN=***" in junit
    assert "Bearer ***" in said["triage --file-issues --dry-run"]
    assert "dry run: wrote nothing to inbox" in said["triage --file-issues --dry-run"]
    kept = [p for p in (tmp_path / ".orch" / "runs").glob("*/*/*") if not p.is_dir()]
    assert not kept, "the shards' raw output files are removed"


def test_keep_raw_output_keeps_the_shards_raw_files_and_only_them(tmp_path: Path) -> None:
    (tmp_path / "orch.yaml").write_text(WORKFLOW)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_secrets.py").write_text(textwrap.dedent(TESTS))
    run = orch(tmp_path, "run", ".", "--keep-raw-output", "--json", "out/report.json")
    assert run.returncode == 1, run.stderr
    raw = b"".join(p.read_bytes() for p in (tmp_path / ".orch" / "runs").rglob("*") if p.is_file())
    assert DB_PASSWORD.encode() in raw, "the raw output is kept, as asked"
    assert not leaks(run.stdout + run.stderr)
    assert not leaks((tmp_path / ".orch" / "orch.db").read_bytes())
    assert SECRETS["ORCH_GITHUB_TOKEN"].encode() not in raw, "orch's own token never reached a test"
