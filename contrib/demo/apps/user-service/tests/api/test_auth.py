"""Signing in. ``test_login`` is also the first step of the end-to-end payment flow: what it
returns (the token) is handed to the payment service's test as its ``Authorization`` header."""

import pytest

from users import Accounts, InvalidLogin, verify_token


@pytest.fixture
def accounts():
    accounts = Accounts()
    accounts.register("alice", "correct horse battery staple")
    return accounts


def test_login(accounts):
    token = accounts.login("alice", "correct horse battery staple")
    assert verify_token(token) == "alice"
    return {"token": token, "user": "alice"}


def test_a_wrong_password_is_refused(accounts):
    with pytest.raises(InvalidLogin):
        accounts.login("alice", "Tr0ub4dor&3")


def test_an_expired_token_is_refused(accounts):
    token = accounts.login("alice", "correct horse battery staple", now=0)
    with pytest.raises(InvalidLogin):
        verify_token(token)
