"""Service settings: where the service keeps its runtime caches."""

import os
from pathlib import Path

APP_ROOT = Path(__file__).resolve().parents[2]

CACHE_DIR = Path(os.environ.get("INVENTORY_CACHE_DIR", APP_ROOT / ".cache"))
