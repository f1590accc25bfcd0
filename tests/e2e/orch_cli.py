"""Helpers for end-to-end tests: the real ``orch`` console script on real projects in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ORCH = str(Path(sys.executable).parent / "orch")


class Orch:
    """Runs ``orch`` as a user would, with its state kept inside the project."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("ORCH_HOME", "ORCH_DEBUG")}
        return subprocess.run(
            [ORCH, *args], cwd=self.cwd, capture_output=True, text=True, timeout=timeout, env=env
        )

    def json(self, *args: str) -> tuple[int, dict]:
        done = self("run", *args, "--format", "json")
        try:
            return done.returncode, json.loads(done.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"no JSON (exit {done.returncode}): {done.stderr}") from None


def write_files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def tagged_processes(run_id: str) -> list[int]:
    """Pids whose environment carries this run's ORCH_TAG (how orch marks its processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"ORCH_TAG={run_id}/".encode() in environ:
            found.append(int(entry.name))
    return found


def outcomes(report: dict) -> dict[str, str]:
    return {t["nodeid"]: t["outcome"] for t in report["tests"]}
