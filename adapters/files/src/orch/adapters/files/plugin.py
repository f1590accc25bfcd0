"""pluggy registration of the file sinks: the module the ``orch`` entry point ``files`` names."""

from __future__ import annotations

from orch.adapters.files.folder_sink import FilesSink
from orch.adapters.files.sqlite_sink import SqliteSink
from orch.ports import hookimpl


@hookimpl
def orch_register_data_sinks() -> list[type]:
    """Provide FilesSink as the ``files`` sink and SqliteSink as the ``sqlite`` sink."""
    return [FilesSink, SqliteSink]
