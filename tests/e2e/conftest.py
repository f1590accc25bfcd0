"""Fixtures of the end-to-end tests: the real ``orch`` command run in a temporary project."""

from __future__ import annotations

import pytest
from orch_cli import Orch


@pytest.fixture
def orch(tmp_path) -> Orch:
    return Orch(tmp_path)
