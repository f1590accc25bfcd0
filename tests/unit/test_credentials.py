"""Which variables are orch's credentials, and the hand-over that keeps them from tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orch.ports.credentials import is_orch_credential, orch_credentials, secret_parts

ORCH = str(Path(sys.executable).parent / "orch")


def test_orch_credentials_are_secret_names_and_urls_with_passwords() -> None:
    environ = {
        "ORCH_GITHUB_TOKEN": "ghp_1",
        "ORCH_JIRA_TOKEN": "jira-2",
        "ORCH_JIRA_URL": "https://bot:pw@jira.example",
        "ORCH_GITHUB_API_URL": "https://api.github.example",
        "ORCH_HOME": "/tmp/x",
        "ORCH_SOME_SECRET": "",
        "GITHUB_TOKEN": "not-orchs",
    }
    assert sorted(orch_credentials(environ)) == [
        "ORCH_GITHUB_TOKEN",
        "ORCH_JIRA_TOKEN",
        "ORCH_JIRA_URL",
    ]
    assert not is_orch_credential("ORCH_DEBUG", "1")
    assert secret_parts("https://bot-user:pw-123@jira.example") == [
        "https://bot-user:pw-123@jira.example",
        "bot-user",
        "pw-123",
    ]


def environ_of_orch(extra: dict[str, str]) -> tuple[bytes, str]:
    """The /proc/PID/environ of a running ``orch`` (it prints its own, as a test would read
    it) and what it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")} | extra
    script = (
        "import os, sys; from pathlib import Path; "
        "sys.argv = ['orch', 'plugins']; "
        "from orch.cli.entry import main; "
        "sys.stdout.buffer.write(Path(f'/proc/{os.getpid()}/environ').read_bytes()); "
        "sys.stdout.flush(); main()"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr.decode()


def test_orch_re_executes_itself_without_its_credentials_in_its_environ() -> None:
    """The first image prints an environ with the token, the re-executed one without it (that
    it still holds them: the CLI dry runs against the fake trackers authenticate)."""
    out, _ = environ_of_orch({"ORCH_GITHUB_TOKEN": "ghp_reexec_0123456789"})
    before, _, after = out.partition(b"ORCH_CREDENTIALS_FD=")
    assert b"ORCH_GITHUB_TOKEN=ghp_reexec_0123456789" in before, "the first image had it"
    assert after, "the same script ran again, handed the descriptor"
    assert b"ghp_reexec_0123456789" not in after and b"ORCH_GITHUB_TOKEN" not in after


def test_a_stray_hand_over_variable_is_ignored() -> None:
    out, err = environ_of_orch({"ORCH_CREDENTIALS_FD": "not-a-descriptor"})
    assert b"ORCH_CREDENTIALS_FD=not-a-descriptor" in out and "error" not in err


def test_a_hand_over_variable_naming_another_descriptor_moves_the_credentials_anyway() -> None:
    # a leaked ORCH_CREDENTIALS_FD=0 once made orch read stdin and keep the token in its environ
    extra = {"ORCH_CREDENTIALS_FD": "0", "ORCH_GITHUB_TOKEN": "ghp_stray_0123456789"}
    out, _ = environ_of_orch(extra)
    assert out.count(b"ORCH_CREDENTIALS_FD=") == 2, "re-executed, handed a memfd of its own"
    assert out.count(b"ghp_stray_0123456789") == 1, "only the first image's environ held it"
