"""A pytest shard started held by the local executor: it imports pytest and waits before any
conftest of the application; released, it runs as any shard; killed held, nothing of it stays."""

from __future__ import annotations

import time
from pathlib import Path

from pytest_adapter_projects import write_app

from orch.adapters.local import LocalExecutor, LocalProcess
from orch.adapters.pytest.runner import PytestRunner
from orch.ports import Outcome, Shard, TestResult

FILES = {
    "tests/conftest.py": """
        import os, pathlib
        pathlib.Path(os.environ["MARKER"]).write_text("imported")
    """,
    "tests/test_a.py": "import os\n\ndef test_a():\n    assert 'ORCH_HELD' not in os.environ\n",
}


def _ended(process: LocalProcess, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while (code := process.poll()) is None:
        assert time.monotonic() < deadline, "the shard did not end"
        time.sleep(0.02)
    return code


def _start(tmp_path: Path, name: str, held: bool) -> tuple[LocalProcess, Path, Path]:
    marker = tmp_path / f"{name}.marker"
    app = write_app(tmp_path / name, FILES, env={"MARKER": str(marker)})
    runner, scratch = PytestRunner(), tmp_path / f"{name}-scratch"
    shard = Shard(app.name, (), f"{name}-0")
    command = runner.command(app, shard, scratch)
    executor = LocalExecutor()
    start = executor.start_held if held else executor.start
    return start(command, scratch, tag=f"held-test-{name}/"), marker, scratch


def test_a_held_shard_waits_before_its_conftest_and_runs_once_released(tmp_path: Path) -> None:
    held, held_marker, scratch = _start(tmp_path, "held", held=True)
    plain, plain_marker, _ = _start(tmp_path, "plain", held=False)
    try:
        assert _ended(plain) == 0 and plain_marker.exists()
        time.sleep(0.3)
        assert held.poll() is None and not held_marker.exists()  # started together, still waits
        held.release()
        assert _ended(held) == 0 and held_marker.read_text() == "imported"
        app = write_app(tmp_path / "held", {}, env={"MARKER": str(held_marker)})
        results = [
            event
            for event in PytestRunner().events(app, Shard(app.name, (), "held-0"), scratch).read()
            if isinstance(event, TestResult)
        ]
        assert [(r.nodeid, r.outcome) for r in results] == [
            ("tests/test_a.py::test_a", Outcome.PASSED)
        ]
    finally:
        held.kill()
        plain.kill()


def test_a_held_shard_killed_before_its_turn_runs_nothing(tmp_path: Path) -> None:
    held, marker, _ = _start(tmp_path, "gone", held=True)
    time.sleep(0.5)
    held.kill()
    assert held.poll() is not None and held.input_fd is None
    assert not marker.exists()
