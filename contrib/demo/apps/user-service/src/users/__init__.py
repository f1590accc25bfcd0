"""The user service: sign-in with a password, session tokens the other services check."""

from users.auth import Accounts, InvalidLogin, verify_token

__all__ = ["Accounts", "InvalidLogin", "verify_token"]
