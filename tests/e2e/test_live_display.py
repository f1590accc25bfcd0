"""Live status: a rich display when stderr is a terminal, plain periodic lines when it is not."""

from __future__ import annotations

import os
import pty
import select
import subprocess

from orch_cli import ORCH, write_files

SLOW = {
    "tests/test_slow.py": "import time\n\n"
    + "".join(f"def test_{i}():\n    time.sleep(0.3)\n\n" for i in range(6))
    + "def test_bad():\n    assert False\n"
}


def on_a_terminal(tmp_path) -> tuple[int, str]:
    """``orch run . -n 1`` with a terminal as stdout and stderr: its exit code and all it drew."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    env.pop("ORCH_HOME", None)
    process = subprocess.Popen(
        [ORCH, "run", ".", "-n", "1"], cwd=tmp_path, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: orch is done
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=30)
    os.close(leader)
    return process.returncode, seen.decode("utf-8", "replace")


def test_a_terminal_gets_the_live_display(tmp_path):
    write_files(tmp_path, SLOW)
    returncode, text = on_a_terminal(tmp_path)
    assert returncode == 1
    assert "running" in text and "queued" in text, "the live status line was drawn"
    assert f"running {tmp_path.name}::tests/test_slow.py::test_" in text, "running tests listed"
    assert "\x1b[" in text, "drawn with terminal control sequences"
    assert "FAILED" in text and "test_bad" in text
    assert "6 passed, 1 failed" in text


def test_a_pipe_gets_plain_lines(tmp_path, orch):
    write_files(tmp_path, SLOW)
    done = orch("run", ".", "-n", "1")
    assert done.returncode == 1
    assert "\x1b[" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("orch: ")]
    assert lines[0].startswith("orch: queued") or lines[0].startswith("orch: FAILED")
    assert any(line.startswith("orch: FAILED") and "test_bad" in line for line in lines)


def test_the_live_display_shows_bidi_and_c1_controls_escaped(tmp_path):
    """Issue 8 item 8: a failure's message with U+202E was drawn raw, reordering the line."""
    write_files(
        tmp_path,
        {
            "tests/test_\u202eevil.py": "def test_x():\n"
            "    raise AssertionError('\\u202egnp.exe \\x9b31m \\u2066 \\udcff')\n"
        },
    )
    returncode, text = on_a_terminal(tmp_path)
    assert returncode == 1
    assert "\\u202egnp.exe \\x9b31m \\u2066 \\udcff" in text
    assert "test_\\u202eevil.py" in text, "the test's id is escaped too"
    assert not any(char in text for char in "\u202e\u2066\x9b")
