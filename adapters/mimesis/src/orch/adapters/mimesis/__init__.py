"""orch.adapters.mimesis: Locale field kinds for test data (names, emails, phones, addresses,
text) drawn in bulk from Mimesis' locale data."""
