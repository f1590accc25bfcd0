"""The names of the databases the sink makes, and the owner read back from them.

A template is ``orch_<owner>_<dataset>``, a copy ``orch_<owner>_<dataset>_<copy>``. The owner
is kept exactly (``leftovers`` asks whether it is alive, so a changed owner could drop a live
run's data): lowercase letters, digits and ``-`` stay, any other character is written ``.`` and
its two hex digits, so the owner has no ``_`` and is the text between the first two. Dataset
and copy names are lowercased, other characters made ``-``; a name over PostgreSQL's 63 bytes
is cut and ends in a hash of the whole, so it stays unique.
"""

from __future__ import annotations

import hashlib
import re

from orch.ports.errors import ConfigError

PREFIX = "orch_"
LIMIT = 63
_KEPT = re.compile(r"[a-z0-9-]")
_ESCAPE = re.compile(r"\.([0-9a-f]{2})")


def _escaped(char: str) -> str:
    return "".join(f".{byte:02x}" for byte in char.encode())


def encode_owner(owner: str) -> str:
    """``owner`` as it is written in a name: reversible by ``owner_of``."""
    text = "".join(c if _KEPT.fullmatch(c) else _escaped(c) for c in owner)
    if not owner or len(PREFIX) + len(text) > 40:
        raise ConfigError(f"data owner {owner!r}: give a non-empty owner of at most 35 characters")
    return text


def _part(name: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", name.lower()) or "-"


def template(owner: str, dataset: str) -> str:
    """The name of ``owner``'s template database of ``dataset``."""
    return _fit(PREFIX + encode_owner(owner) + "_" + _part(dataset))


def copy(template: str, name: str) -> str:
    """The name of the copy ``name`` of the database ``template``."""
    return _fit(template + "_" + _part(name))


def _fit(name: str) -> str:
    if len(name.encode()) <= LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return name[: LIMIT - 11] + "-" + digest


def owner_of(name: str) -> str | None:
    """The owner a database name was made for; None when it is not one of ours."""
    if not name.startswith(PREFIX) or "_" not in name[len(PREFIX) :]:
        return None
    text = name[len(PREFIX) :].split("_", 1)[0]
    raw = bytearray()
    at = 0
    while at < len(text):
        escaped = _ESCAPE.match(text, at)
        raw += bytes([int(escaped.group(1), 16)]) if escaped else text[at].encode()
        at += 3 if escaped else 1
    return raw.decode(errors="replace")
