"""The scene of core's selection unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from select_scene import Scene


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    return Scene(tmp_path)
