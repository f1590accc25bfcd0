"""LocalExecutor with real processes: isolation, whole-tree kill, parent-death signal, reaping."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from orch.adapters.local import LocalExecutor, LocalProcess
from orch.adapters.local.executor import ENV_ALLOWLIST
from orch.ports import Command, EnvironmentProblem

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux /proc")


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_until_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def wait_for_file(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text().endswith("\n"):
        assert time.monotonic() < deadline, f"{path} was never written"
        time.sleep(0.01)
    return path.read_text()


def wait_for_exit(process: LocalProcess, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while (code := process.poll()) is None:
        assert time.monotonic() < deadline, "process did not end"
        time.sleep(0.01)
    return code


SETSID_SLEEP = "import os, time; os.setsid(); time.sleep(60)"


@pytest.fixture
def tag() -> str:
    return f"test-local-{uuid.uuid4().hex}:"


def start(tmp_path: Path, code: str, tag: str, **env: str) -> LocalProcess:
    command = Command(argv=(sys.executable, "-c", textwrap.dedent(code)), cwd=tmp_path, env=env)
    return LocalExecutor().start(command, tmp_path / "scratch", tag)


def test_the_environment_is_only_the_allowlist_the_command_tmpdir_and_tag(
    tmp_path: Path, tag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_TOKEN", "do-not-leak")
    monkeypatch.setenv("LANG", "C.UTF-8")
    code = "import json, os, tempfile; print(json.dumps([dict(os.environ), tempfile.gettempdir()]))"
    process = start(tmp_path, code, tag, GIVEN="1", TMPDIR="/elsewhere")
    assert wait_for_exit(process) == 0
    env, tempdir = json.loads((tmp_path / "scratch" / "output.log").read_text())
    assert "SECRET_TOKEN" not in env
    assert set(env) <= {*ENV_ALLOWLIST, "GIVEN", "TMPDIR", "ORCH_TAG"}
    assert env["LANG"] == "C.UTF-8"
    assert env["GIVEN"] == "1"
    assert env["ORCH_TAG"] == tag
    assert tempdir == env["TMPDIR"] == str(tmp_path / "scratch" / "tmp")
    assert (tmp_path / "scratch" / "tmp").is_dir()


def test_passenv_globs_pass_those_variables_through_and_the_commands_env_wins(
    tmp_path: Path, tag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_JOB_TOKEN", "t0k3n")
    monkeypatch.setenv("CI_PIPELINE", "42")
    monkeypatch.setenv("API_BASE_URL", "http://orch-env")
    monkeypatch.setenv("ci_lowercase", "not a match: names are case-sensitive")
    monkeypatch.setenv("SECRET_TOKEN", "do-not-leak")
    code = "import json, os; print(json.dumps(dict(os.environ)))"
    command = Command(
        argv=(sys.executable, "-c", code),
        cwd=tmp_path,
        env={"API_BASE_URL": "http://from-env-block"},
        passenv=("CI_*", "API_BASE_URL"),
    )
    process = LocalExecutor().start(command, tmp_path / "scratch", tag)
    assert wait_for_exit(process) == 0
    env = json.loads((tmp_path / "scratch" / "output.log").read_text())
    assert env["CI_JOB_TOKEN"] == "t0k3n" and env["CI_PIPELINE"] == "42"
    assert env["API_BASE_URL"] == "http://from-env-block"
    assert "ci_lowercase" not in env and "SECRET_TOKEN" not in env
    assert set(env) <= {*ENV_ALLOWLIST, "CI_JOB_TOKEN", "CI_PIPELINE", "API_BASE_URL"} | {
        "TMPDIR",
        "ORCH_TAG",
    }


def test_a_relative_scratch_dir_is_resolved_before_the_child_changes_directory(
    tmp_path: Path, tag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    code = "import os; open(os.path.join(os.environ['TMPDIR'], 'f'), 'w').write('x')"
    command = Command(argv=(sys.executable, "-c", code), cwd=tmp_path / "app")
    process = LocalExecutor().start(command, Path("scratch"), tag)
    assert wait_for_exit(process) == 0
    assert (tmp_path / "scratch" / "tmp" / "f").read_text() == "x"


def test_stdin_is_empty(tmp_path: Path, tag: str) -> None:
    process = start(tmp_path, "import sys; print(repr(sys.stdin.read()))", tag)
    assert wait_for_exit(process) == 0
    assert process.output_tail() == "''\n"


def test_output_tail_replaces_undecodable_bytes(tmp_path: Path, tag: str) -> None:
    process = start(tmp_path, "import sys; sys.stdout.buffer.write(b'bad \\xff byte')", tag)
    assert wait_for_exit(process) == 0
    assert process.output_tail() == "bad \ufffd byte"


def test_output_tail_is_the_last_4_kb(tmp_path: Path, tag: str) -> None:
    process = start(tmp_path, "print('a' * 10_000 + 'z' * 5_000)", tag)
    assert wait_for_exit(process) == 0
    assert process.output_tail() == "z" * 4095 + "\n"


def test_a_missing_program_is_an_environment_problem(tmp_path: Path, tag: str) -> None:
    command = Command(argv=("no-such-program-xyz",), cwd=tmp_path)
    with pytest.raises(EnvironmentProblem, match="no-such-program-xyz"):
        LocalExecutor().start(command, tmp_path / "scratch", tag)


def test_kill_takes_the_whole_tree_even_a_grandchild_that_called_setsid(
    tmp_path: Path, tag: str
) -> None:
    pids = tmp_path / "pids"
    code = f"""
        import os, subprocess, sys, time
        escaped = subprocess.Popen([sys.executable, "-c", {SETSID_SLEEP!r}])
        grouped = subprocess.Popen(["sleep", "60"])
        with open({str(pids)!r}, "w") as f:
            f.write(f"{{escaped.pid}} {{grouped.pid}}\\n")
        time.sleep(60)
    """
    process = start(tmp_path, code, tag)
    escaped, grouped = map(int, wait_for_file(pids).split())
    process.kill()
    assert process.poll() == -signal.SIGKILL
    assert wait_until_gone(escaped, timeout=1)
    assert wait_until_gone(grouped, timeout=1)


def test_the_child_dies_with_the_orchestrator(tmp_path: Path, tag: str) -> None:
    code = f"""
        import sys, time
        from pathlib import Path
        from orch.adapters.local import LocalExecutor
        from orch.ports import Command
        process = LocalExecutor().start(Command(("sleep", "60"), Path.cwd()), Path("s"), {tag!r})
        print(process.pid, flush=True)
        time.sleep(60)
    """
    orchestrator = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child = int(orchestrator.stdout.readline())
        assert alive(child)
    finally:
        orchestrator.kill()
        orchestrator.wait()
    assert wait_until_gone(child, timeout=1)


def test_reap_kills_orphans_by_tag_prefix_and_counts_them(tmp_path: Path, tag: str) -> None:
    pids = tmp_path / "pids"
    code = f"""
        import subprocess, sys, time
        orphan = subprocess.Popen([sys.executable, "-c", {SETSID_SLEEP!r}])
        open({str(pids)!r}, "w").write(f"{{orphan.pid}}\\n")
        time.sleep(60)
    """
    process = start(tmp_path, code, f"{tag}shard-1")
    orphan = int(wait_for_file(pids))
    assert LocalExecutor().reap(tag) == 2
    assert wait_for_exit(process) == -signal.SIGKILL
    assert wait_until_gone(orphan, timeout=1)
    assert LocalExecutor().reap(tag) == 0


def test_reap_never_kills_itself_or_its_tagged_ancestors(tmp_path: Path, tag: str) -> None:
    reaper = (
        "from orch.adapters.local import LocalExecutor;"
        f" print(LocalExecutor().reap({tag!r}), flush=True)"
    )
    parent = f"""
        import os, subprocess, sys
        env = dict(os.environ, ORCH_TAG={tag + "inner"!r})
        out = subprocess.run([sys.executable, "-c", {reaper!r}], env=env, capture_output=True)
        print(out.stdout.decode().strip(), out.returncode)
    """
    env = dict(os.environ, ORCH_TAG=f"{tag}outer")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(parent)], env=env, capture_output=True, text=True
    )
    assert (done.returncode, done.stdout.split()) == (0, ["0", "0"])


def test_reap_refuses_an_empty_prefix() -> None:
    with pytest.raises(ValueError):
        LocalExecutor().reap("")
