"""The root ``orch`` command: turns domain errors into one line on stderr and an exit code."""

from __future__ import annotations

import functools
import importlib
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import click

from orch.cli.app import App
from orch.cli.text import safe
from orch.core import ExitCode
from orch.core.shared.redaction import credentials_only
from orch.ports import ConfigError, EnvironmentProblem, OrchError, PluginError

FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json (to stdout) for programs.",
)

WORKFLOW_OPTION = click.option(
    "-w",
    "--workflow",
    "workflow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Workflow file (default: orch.yaml/.yml/.json in DIR; none: DIR is one pytest app).",
)

DIRECTORY_HELP = "Project directory: its workflow file and .orch/ (default: the current one)."
"""Every command says the same of ``-C``; where a command also takes DIR, it means the same."""


def _directory_option(parameter: str) -> Callable:
    """``-C/--directory DIR`` given to the command as ``parameter``: one spelling and help for
    every command, whether ``-C`` is its only directory or stands beside a ``DIR`` argument."""
    return click.option(
        "-C",
        "--directory",
        parameter,
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=DIRECTORY_HELP,
    )


DIRECTORY_OPTION = _directory_option("directory")
"""``-C/--directory DIR``: None when not given (``project_dir`` makes that the current one)."""

_EXIT_CODES = {
    ConfigError: ExitCode.USAGE_ERROR,
    PluginError: ExitCode.USAGE_ERROR,
    EnvironmentProblem: ExitCode.ENVIRONMENT_ERROR,
}


COMMAND_MODULES = {
    "run": "orch.cli.run",
    "select": "orch.cli.select",
    "triage": "orch.cli.triage",
    "inbox": "orch.cli.inbox",
    "status": "orch.cli.status",
    "runs": "orch.cli.status",
    "plugins": "orch.cli.plugins",
    "env": "orch.cli.env",
    "data": "orch.cli.data",
    "flow": "orch.cli.flow",
}
"""Each command and the module whose ``COMMANDS`` hold it: ``orch run`` imports the run command's
module, not triage's or the inbox's (``OrchGroup.get_command``)."""


class OrchGroup(click.Group):
    """A click group that turns orch's errors into one line on stderr and the matching exit code,
    and imports a command's module when the command is first wanted."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            _add_commands(COMMAND_MODULES[cmd_name])
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OrchError as error:
            _fail(str(error), _code_for(error))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except NotImplementedError as error:  # a part of orch that says it is not built yet
            _fail(str(error), ExitCode.USAGE_ERROR)
        except KeyboardInterrupt:
            _fail("interrupted", ExitCode.INTERRUPTED)
        except BrokenPipeError:
            _reader_left()
        except Exception as error:  # the last line of defence: say what broke, no traceback
            if os.environ.get("ORCH_DEBUG") == "1":
                traceback.print_exc()
            _fail(
                f"internal error: {type(error).__name__}: {error} "
                "(set ORCH_DEBUG=1 for the traceback)",
                ExitCode.INTERNAL_ERROR,
            )


def _code_for(error: OrchError) -> ExitCode:
    for kind, code in _EXIT_CODES.items():
        if isinstance(error, kind):
            return code
    return ExitCode.INTERNAL_ERROR


BROKEN_PIPE = 141
"""Exit code when whoever read our output went away (``orch runs | head -1``): 128 + SIGPIPE,
what a shell reports for a program that SIGPIPE ended, so pipelines behave as with ``ls``."""


def _reader_left() -> None:
    """Stop quietly when the output pipe closed: nothing is wrong and nobody reads any more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's flush at exit must not fail again
    except (OSError, ValueError):
        pass
    sys.exit(BROKEN_PIPE)


def _fail(message: str, code: ExitCode) -> None:
    if os.environ.get("ORCH_DEBUG") == "1":
        traceback.print_exc()
    message = credentials_only().text(message)  # whatever an error quotes, never a credential
    for line in message.splitlines() or [""]:
        click.echo(f"orch: error: {safe(line)}", err=True)
    sys.exit(int(code))


@click.group(cls=OrchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orch", prog_name="orch")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """orch: run the tests of many applications, in parallel, and report what broke."""
    ctx.obj = ctx.with_resource(App())


def register_commands() -> None:
    """Add every command now (the group adds each when it is first wanted otherwise)."""
    for module in dict.fromkeys(COMMAND_MODULES.values()):
        _add_commands(module)


def _add_commands(module: str) -> None:
    for command in importlib.import_module(module).COMMANDS:
        cli.add_command(command)


def main() -> None:
    """Run the command line (the console script, ``orch.cli.entry``, first moves orch's
    credentials out of its environment)."""
    signal.signal(signal.SIGTERM, _terminated)
    cli(prog_name="orch")


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a CI job cancelled, ``kill``) stops orch as Ctrl-C does: running tests are
    killed, what finished is kept and summarised, and the run can be resumed."""
    raise KeyboardInterrupt


def _differ(one: Path | None, other: Path | None) -> bool:
    return Path(one or ".").resolve() != Path(other or ".").resolve()


def project_dir(directory: Path | None) -> Path:
    """The project directory ``-C`` named, else the current one."""
    return directory if directory is not None else Path(".")


def directory_argument(command: Callable) -> Callable:
    """``[DIR]`` and ``-C/--directory DIR`` for a command that works on one project directory:
    the same directory said either way (``orch runs DIR`` = ``orch runs -C DIR``); the command
    gets it as ``directory``."""

    @functools.wraps(command)
    def with_directory(*args, directory: Path | None, directory_option: Path | None, **kwargs):
        if None not in (directory, directory_option) and _differ(directory, directory_option):
            raise click.UsageError(
                f"DIR {directory} and -C {directory_option} differ; give the directory once"
            )
        chosen = directory if directory is not None else directory_option
        return command(*args, directory=project_dir(chosen), **kwargs)

    with_directory = _directory_option("directory_option")(with_directory)
    return click.argument(
        "directory", type=click.Path(file_okay=False, path_type=Path), required=False
    )(with_directory)
