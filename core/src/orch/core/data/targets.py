"""A sink's options made a ``SinkTarget``: only the options the sink says it takes (a misspelt
one is refused with the closest), and those it says are paths resolved under the workflow's
folder, so that ``path: data/shop.db`` means the same from any working directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from orch.core.shared.spelling import unknown
from orch.ports.data import DataSink, SinkTarget
from orch.ports.errors import ConfigError


def sink_target(
    sink: DataSink, kind: str, options: Mapping[str, str], owner: str, root: Path, where: str
) -> SinkTarget:
    """The target of a load by ``sink`` (``kind``) for ``owner``; ``where`` names the dataset."""
    taken = dict(sink.OPTIONS)
    for key in options:
        if key not in taken:
            raise ConfigError(f"{where}: sink {kind}: {unknown('option', key, list(taken))}")
    paths = getattr(sink, "PATHS", ())
    resolved = {
        key: str(root / value) if key in paths and not Path(value).is_absolute() else value
        for key, value in options.items()
    }
    return SinkTarget(kind, resolved, owner)
