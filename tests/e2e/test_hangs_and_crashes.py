"""Issue 7, items 7 and 8: hanging and crashing tests, seen through the real ``orch`` and pytest.

A hang is named while it runs (a heartbeat in logs), killed by the per-test timeout with the stack
of every thread in its result, and not retried with ``retry_timeouts: false``; a crash says how
the process ended (exit code or signal) and where the test was (its own frame, via faulthandler).
"""

from __future__ import annotations

import json
import re

from orch_cli import outcomes, write_files

HANG = """
    import threading, time

    def helper():
        time.sleep(300)

    def test_fast():
        pass

    def test_hangs():
        threading.Thread(target=helper, daemon=True, name="helper").start()
        time.sleep(300)
"""


def workflow(root, execution: str) -> None:
    write_files(
        root,
        {
            "orch.yaml": f"""
                applications:
                  svc: {{path: ., runner: pytest, paths: [tests]}}
                execution: {execution}
            """
        },
    )


def test_a_log_names_a_test_that_keeps_running(tmp_path, orch):
    write_files(
        tmp_path,
        {"tests/test_slow.py": "import time\n\ndef test_slow():\n    time.sleep(3.5)\n"},
    )
    workflow(tmp_path, "{workers: 1, heartbeat: 1}")
    done = orch("run", ".")
    assert done.returncode == 0, done.stderr
    beats = re.findall(
        r"orch: still running after (\d+)s: svc::tests/test_slow.py::test_slow", done.stderr
    )
    assert len(beats) >= 2 and int(beats[-1]) >= 2, done.stderr


def test_no_heartbeat_when_it_is_off(tmp_path, orch):
    write_files(
        tmp_path, {"tests/test_slow.py": "import time\n\ndef test_slow():\n    time.sleep(1.5)\n"}
    )
    workflow(tmp_path, "{workers: 1, heartbeat: 0}")
    done = orch("run", ".")
    assert done.returncode == 0 and "still running" not in done.stderr


def test_a_timed_out_test_carries_every_threads_stack_and_its_own_line(tmp_path, orch):
    write_files(tmp_path, {"tests/test_hang.py": HANG})
    code, report = orch.json(".", "--timeout", "1", "-n", "1")
    assert code == 1
    hung = next(t for t in report["tests"] if t["outcome"] == "timeout")
    assert "per-test timeout of 1s at tests/test_hang.py:12 in test_hangs" in hung["message"]
    stacks = hung["longrepr"]
    assert "Current thread" in stacks and re.search(r"^Thread 0x", stacks, re.M), stacks
    assert 'test_hang.py", line 5 in helper' in stacks  # the other thread, where it was
    last = stacks.splitlines()[-1]  # traceback order: what a summary's tail shows is the test
    assert last.endswith('tests/test_hang.py", line 12 in test_hangs'), stacks
    assert outcomes(report)["tests/test_hang.py::test_fast"] == "passed"


def test_retry_timeouts_false_does_not_retry_a_hang_but_retries_a_failure(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "tests/test_hang.py": HANG,
            "tests/test_flaky.py": """
                import os

                def test_flaky(tmp_path_factory):
                    marker = tmp_path_factory.getbasetemp().parents[2] / "tried"
                    if not marker.exists():
                        marker.write_text("x")
                        raise AssertionError("first try fails")

                def test_broken():
                    assert False, "always"
            """,
        },
    )
    workflow(tmp_path, "{workers: 1, timeout: 1, retries: 2, retry_timeouts: false}")
    done = orch("run", ".", "--json", "report.json")
    assert done.returncode == 1
    report = json.loads((tmp_path / "report.json").read_text())
    attempts = {t["nodeid"].split("::")[1]: (t["outcome"], t["attempts"]) for t in report["tests"]}
    assert attempts["test_hangs"] == ("timeout", 1)
    assert attempts["test_broken"] == ("failed", 3)
    assert attempts["test_flaky"] == ("flaky", 2)
    assert "FAILED svc::tests/test_flaky.py::test_broken (3 attempts)" in done.stdout
    assert "svc::tests/test_flaky.py::test_flaky (2 attempts): passed on attempt 2" in done.stdout
    assert "TIMEOUT svc::tests/test_hang.py::test_hangs\n" in done.stdout  # one attempt: no count


def test_a_crash_says_exit_code_or_signal_and_where_the_test_was(tmp_path, orch):
    write_files(
        tmp_path,
        {
            "tests/test_a_exit.py": "import os\n\ndef test_exits():\n    os._exit(3)\n",
            "tests/test_b_crash.py": """
                import ctypes

                def test_ok():
                    pass

                def test_segfaults():
                    ctypes.string_at(0)
            """,
        },
    )
    workflow(tmp_path, "{workers: 1}")
    done = orch("run", ".")
    assert done.returncode == 1
    out = done.stdout
    assert "segmentation fault or abort" not in out
    exits = out[out.index("ERROR svc::tests/test_a_exit.py::test_exits") :]
    assert "test process died while running this test (exit code 3" in exits.splitlines()[1]
    assert "pytest hit an internal error" not in out  # exit code 3 in a test is not pytest's
    crash = out[out.index("ERROR svc::tests/test_b_crash.py::test_segfaults") :].splitlines()[1]
    assert crash.strip() == (
        "test process died while running this test (killed by SIGSEGV) "
        "at tests/test_b_crash.py:8 in test_segfaults"
    )
    assert "<frozen runpy>" not in crash
