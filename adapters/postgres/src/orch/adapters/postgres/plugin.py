"""pluggy registration of the PostgreSQL sink: the module the ``orch`` entry point
``postgres`` names."""

from __future__ import annotations

from orch.adapters.postgres.sink import PostgresSink
from orch.ports import hookimpl


@hookimpl
def orch_register_data_sinks() -> list[type]:
    """Provide PostgresSink as the ``postgres`` DataSink."""
    return [PostgresSink]
