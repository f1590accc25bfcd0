"""The fuzzer of test output drives the real ``orch`` command, as the end-to-end tests do."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "e2e"))

from orch_cli import Orch  # noqa: E402  (found through the line above)


@pytest.fixture
def orch(tmp_path) -> Orch:
    return Orch(tmp_path)
