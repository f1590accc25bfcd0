"""orch's own credentials (``ORCH_GITHUB_TOKEN``, ``ORCH_JIRA_TOKEN``, ...) and where they are held.

A test process can read its parent's initial environment from ``/proc/<pid>/environ``, and
deleting a variable from ``os.environ`` does not change that file. So the ``orch`` command moves
these variables out of its environment when it starts (``orch.cli.credentials``) and keeps their
values in this process-local table; adapters read their settings with ``setting``, which looks
here first and then in ``os.environ`` (the Python API, where nothing was moved).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY", re.IGNORECASE)
"""What makes a name look secret: ``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``, ``*KEY*``."""

_URL_USERINFO = re.compile(r"://[^/?#\s]*@")

_HELD: dict[str, str] = {}


def looks_secret(name: str) -> bool:
    """Whether a variable called ``name`` probably holds a secret (``API_TOKEN``, ``db_pass``)."""
    return SECRET_NAME.search(name) is not None


def is_orch_credential(name: str, value: str) -> bool:
    """An ``ORCH_*`` variable whose name looks secret, or whose value is a URL carrying
    credentials (``ORCH_JIRA_URL=https://bot:TOKEN@jira``): what tests must not read."""
    return name.startswith("ORCH_") and (looks_secret(name) or bool(_URL_USERINFO.search(value)))


def orch_credentials(environ: Mapping[str, str]) -> dict[str, str]:
    """The orch credentials present (and not empty) in ``environ``, by name."""
    return {
        name: value for name, value in environ.items() if value and is_orch_credential(name, value)
    }


def hold(values: Mapping[str, str]) -> None:
    """Keep ``values`` (moved out of the environment) for ``setting`` and for redaction."""
    _HELD.update(values)


def setting(name: str) -> str:
    """The value of orch's variable ``name``: held here, else from the environment, else ''."""
    return _HELD.get(name) or os.environ.get(name, "")


def secret_parts(value: str) -> list[str]:
    """What of a credential must never be shown: the value, and for a URL its user and
    password (a message may show the URL without them, or cut differently)."""
    parts = [value]
    if _URL_USERINFO.search(value):
        split = urlsplit(value.strip())
        parts += [part for part in (split.username, split.password) if part]
    return parts


def credential_values() -> list[str]:
    """Every secret string of orch's own credentials, held or still in the environment."""
    found = {**orch_credentials(os.environ), **_HELD}
    return [part for value in found.values() for part in secret_parts(value)]
