"""The ``orch`` console script: keeps orch's credentials from the tests first, then runs orch.

The hand-over may re-execute the process (``orch.cli.credentials``), so it runs before the
command line and its imports are loaded: a re-execution then costs one bare interpreter start.
"""

from __future__ import annotations

from orch.cli.credentials import keep_credentials_from_tests


def main() -> None:
    """Console-script entry point."""
    keep_credentials_from_tests()
    from orch.cli.main import main as run_orch

    run_orch()
