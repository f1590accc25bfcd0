"""Where PostgreSQL's programs are on this machine, and which major version they are.

Debian and Ubuntu keep them in ``/usr/lib/postgresql/<major>/bin`` (``/usr/bin/psql`` is a
wrapper script that picks a cluster); other systems put them on PATH. The directory of the
``postgres`` found on PATH comes first, then those under ``/usr/lib/postgresql``, newest first;
a ``version`` asked for picks the first of its major version.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from attrs import frozen

from orch.ports import ProvisionError

LIBRARY = Path("/usr/lib/postgresql")
SERVER_PROGRAMS = ("initdb", "postgres")

MISSING = (
    "PostgreSQL's server binaries (initdb, postgres) are not on PATH or in "
    "/usr/lib/postgresql/*/bin; install them or use mode: container"
)


@frozen
class PostgresBinaries:
    """A directory holding ``initdb`` and ``postgres``, and their major version ("15")."""

    directory: Path
    major: str

    def program(self, name: str) -> str:
        """``name`` from this directory, else from PATH (``psql`` may live apart)."""
        own = self.directory / name
        if own.exists():
            return str(own)
        return shutil.which(name) or name


def _candidates(path: str, library: Path) -> list[Path]:
    found = []
    on_path = shutil.which("postgres", path=path)
    if on_path is not None:
        found.append(Path(os.path.realpath(on_path)).parent)
    versions = sorted(library.glob("*/bin"), key=lambda bin: _number(bin.parent.name), reverse=True)
    found.extend(versions)
    unique = dict.fromkeys(found)
    return [directory for directory in unique if _has_server(directory)]


def _number(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _has_server(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in SERVER_PROGRAMS)


def _major(directory: Path) -> str:
    """The major version ``postgres --version`` reports ("15" of "postgres (PostgreSQL) 15.18")."""
    answer = subprocess.run(
        [str(directory / "postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", answer)
    return match.group(1) if match else ""


def find(
    service: str, version: str = "", path: str | None = None, library: Path = LIBRARY
) -> PostgresBinaries:
    """The binaries to run ``service`` with: of major ``version`` when given (its first number),
    else the first found; a ``ProvisionError`` saying what is missing or which versions are here."""
    path = os.environ.get("PATH", os.defpath) if path is None else path
    found = [
        PostgresBinaries(directory, _major(directory)) for directory in _candidates(path, library)
    ]
    if not found:
        raise ProvisionError(service, MISSING)
    if not version:
        return found[0]
    wanted = version.split(".")[0]
    for binaries in found:
        if binaries.major == wanted:
            return binaries
    here = ", ".join(dict.fromkeys(binaries.major for binaries in found))
    raise ProvisionError(
        service,
        f"PostgreSQL {version} was asked for (config.version) but this machine has {here}; "
        f"install PostgreSQL {wanted}, ask for {here}, or use mode: container",
    )
