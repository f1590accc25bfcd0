"""Sign-in: a password checked against its salted hash, and a signed token naming the user, which
the payment service accepts as its ``Authorization`` header."""

from __future__ import annotations

import hashlib
import hmac
import os
import time

SIGNING_KEY = b"demo-signing-key"
"""The key the demo's services share to sign and check tokens (a real one comes from a vault)."""


class InvalidLogin(Exception):
    """Wrong user name or password."""


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 10_000)


class Accounts:
    """The customers who can sign in."""

    def __init__(self) -> None:
        self._users: dict[str, tuple[bytes, bytes]] = {}

    def register(self, user: str, password: str) -> None:
        salt = os.urandom(16)
        self._users[user] = (salt, _hash(password, salt))

    def login(self, user: str, password: str, now: float | None = None) -> str:
        """A token for ``user``, valid for an hour; ``InvalidLogin`` otherwise."""
        found = self._users.get(user)
        if found is None or not hmac.compare_digest(found[1], _hash(password, found[0])):
            raise InvalidLogin(user)
        expires = int((time.time() if now is None else now) + 3600)
        claim = f"{user}.{expires}"
        signature = hmac.new(SIGNING_KEY, claim.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{claim}.{signature}"


def verify_token(token: str, now: float | None = None) -> str:
    """The user a valid, unexpired token names; ``InvalidLogin`` otherwise."""
    user, _, rest = token.partition(".")
    expires, _, signature = rest.partition(".")
    expected = hmac.new(SIGNING_KEY, f"{user}.{expires}".encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(signature, expected) or int(expires or 0) < (
        time.time() if now is None else now
    ):
        raise InvalidLogin(user)
    return user
