"""Small binary cache files: marshal data behind a magic line and a CRC, written atomically.

A cache that is missing, foreign, corrupt or unwritable is simply not used: it only costs speed.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import zlib
from pathlib import Path
from typing import Any


def read_cache(path: Path, magic: bytes) -> Any | None:
    """The cached data if the file is ours (``magic``) and intact; otherwise None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[len(magic) + 4 :]
    if not data.startswith(magic) or data[len(magic) : len(magic) + 4] != _crc(body):
        return None
    try:
        return marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None


def write_cache(path: Path, magic: bytes, content: Any) -> None:
    """Write ``content`` atomically; failing to write is not an error."""
    body = marshal.dumps(content)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(magic + _crc(body) + body)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def _crc(body: bytes) -> bytes:
    return zlib.crc32(body).to_bytes(4, "big")
