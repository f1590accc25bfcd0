"""Creating a payment through the card bank, for a signed-in customer. The second step of the
end-to-end payment flow: the user service's token arrives in the ``headers`` fixture as its
``Authorization``; the bank is a simulator orch runs in its place (``card-bank`` in orch.yaml);
the payment's id, returned, goes to the web front end's confirmation test."""

import json
import os
import urllib.request
from decimal import Decimal

import pytest


@pytest.fixture
def bank_url():
    url = os.environ.get("BANK_URL")
    if not url:
        pytest.skip("needs BANK_URL: run it with `orch run contrib/demo`, which provides one")
    return url


def test_create_payment(headers, bank_url, processor):
    if "Authorization" not in headers:
        pytest.skip("needs a signed-in customer's token: it runs as a step of the payment flow")
    charge = processor.charge("alice", Decimal("49.90"), "EUR")
    request = urllib.request.Request(
        f"{bank_url}/charges",
        data=json.dumps({"order": charge.id, "amount": str(charge.amount)}).encode(),
        method="POST",
        headers={**headers, "Authorization": f"Bearer {headers['Authorization']}"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 201
        bank = json.load(answer)
    assert bank["status"] == "captured"
    return {"id": bank["id"], "amount": str(charge.amount)}
