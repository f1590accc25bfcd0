"""Values read back as the port's JSON values (``orch.ports.data``): uuids, exact decimals,
timestamps and dates as strings, JSON as dicts and lists.

PostgreSQL keeps a timestamp's instant, not the offset it was written with: it reads back in
UTC (``2026-03-04T03:06:07+00:00`` for ``05:06:07+02:00``), the same instant.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import psycopg
from psycopg.types.string import TextLoader


def reading(connection: psycopg.Connection) -> None:
    """Set ``connection`` up to read values as the port's: UTC, numerics as their digits."""
    connection.execute("SET TimeZone = 'UTC'")
    connection.adapters.register_loader("numeric", TextLoader)


def port_value(value: Any) -> Any:
    """``value`` as read by psycopg, as the port's JSON value."""
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date):  # datetime too
        return value.isoformat()
    return value
