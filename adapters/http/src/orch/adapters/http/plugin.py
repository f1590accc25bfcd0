"""pluggy registration of the HTTP sink: the module the ``orch`` entry point ``http`` names."""

from __future__ import annotations

from orch.adapters.http.sink import HttpSink
from orch.ports import hookimpl


@hookimpl
def orch_register_data_sinks() -> list[type]:
    """Provide HttpSink as the ``http`` sink."""
    return [HttpSink]
