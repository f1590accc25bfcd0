"""Where orch keeps a project's runs, history and caches.

Shared because selection must leave that folder out of every change set and the composition root
must put the store in it; neither may import the other.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR_NAME = ".orch"


def state_dir_for(root: Path) -> Path:
    """Where orch keeps runs, history and caches: ``$ORCH_HOME`` or ``<root>/.orch``."""
    home = os.environ.get("ORCH_HOME")
    return Path(home).resolve() if home else root.resolve() / STATE_DIR_NAME
