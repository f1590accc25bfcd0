"""``orch plugins``: which adapters are installed, from which distribution and version."""

from __future__ import annotations

import json

import click

from orch.cli.app import App, pass_app
from orch.cli.main import FORMAT_OPTION


@click.command("plugins")
@FORMAT_OPTION
@pass_app
def plugins_command(app: App, output_format: str) -> None:
    """List every loaded adapter with its distribution and version."""
    infos = app.registry.infos()
    if output_format == "json":
        rows = [
            {
                "kind": i.kind,
                "name": i.name,
                "distribution": i.distribution,
                "version": i.version,
                "module": i.module,
            }
            for i in infos
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(i.name) for i in infos), default=4)
    kinds = max((len(i.kind) for i in infos), default=4)
    for info in infos:
        click.echo(f"{info.kind:<{kinds}} {info.name:<{width}}  {info.distribution} {info.version}")


COMMANDS = [plugins_command]
