"""``orch plugins`` against real entry points, including a third party claiming a taken name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ORCH = str(Path(sys.executable).parent / "orch")


def orch(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ORCH, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def test_plugins_lists_every_adapter_with_distribution_and_version():
    done = orch("plugins", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = {(r["kind"], r["name"]): r for r in json.loads(done.stdout)}
    assert rows[("runner", "pytest")]["distribution"] == "orch-pytest"
    assert rows[("runner", "command")]["distribution"] == "orch-junit"
    assert rows[("executor", "local")]["version"] == "0.1.0"
    text = orch("plugins")
    assert "orch-git 0.1.0" in text.stdout


def install_fake_distribution(site: Path, name: str, plugin_name: str) -> None:
    """A real (if minimal) installed distribution: a dist-info with an ``orch`` entry point."""
    module = name.replace("-", "_")
    (site / f"{module}.py").write_text(
        "from orch.ports import hookimpl\n"
        "class Runner:\n"
        f"    PLUGIN_NAME = {plugin_name!r}\n"
        "@hookimpl\n"
        "def orch_register_test_runners():\n"
        "    return [Runner]\n"
    )
    dist = site / f"{module}-9.9.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 9.9\n")
    (dist / "entry_points.txt").write_text(f"[orch]\n{plugin_name} = {module}\n")


def test_a_third_party_adapter_is_listed(tmp_path):
    install_fake_distribution(tmp_path, "acme-orch-behave", "behave")
    done = orch("plugins", env={"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "behave" in done.stdout and "acme-orch-behave 9.9" in done.stdout


def test_duplicate_adapter_names_fail_naming_both_packages(tmp_path):
    install_fake_distribution(tmp_path, "acme-orch-pytest", "pytest")
    done = orch("plugins", env={"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 2
    line = done.stderr.strip()
    assert line.startswith("orch: error: two packages provide the runner adapter 'pytest'")
    assert "orch-pytest 0.1.0" in line and "acme-orch-pytest 9.9" in line
    assert "Traceback" not in done.stderr
