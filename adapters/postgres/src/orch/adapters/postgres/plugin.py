"""pluggy registration of the PostgreSQL sink and SQL probe: the module the ``orch`` entry
point ``postgres`` names."""

from __future__ import annotations

from orch.adapters.postgres.sink import PostgresSink
from orch.adapters.postgres.sql_probe import PostgresSqlProbe
from orch.ports import hookimpl


@hookimpl
def orch_register_data_sinks() -> list[type]:
    """Provide PostgresSink as the ``postgres`` DataSink."""
    return [PostgresSink]


@hookimpl
def orch_register_sql_probes() -> list[type]:
    """Provide PostgresSqlProbe as the ``postgres`` SqlProbe."""
    return [PostgresSqlProbe]
