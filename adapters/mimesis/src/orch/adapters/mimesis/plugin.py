"""Entry point of the Mimesis adapter: registers the locale field kinds."""

from __future__ import annotations

from orch.adapters.mimesis.kinds import KINDS
from orch.ports import hookimpl


@hookimpl
def orch_register_field_kinds() -> list[type]:
    """Provide names, emails, phones, addresses, cities, countries, companies, words, text."""
    return list(KINDS)
