"""The environment variables an application's test processes get once its environment is up.

For each service, by its name upper-cased with every other character than a letter or a digit
made ``_`` (``payment-db`` is ``PAYMENT_DB``): ``ORCH_<NAME>_HOST`` (127.0.0.1),
``ORCH_<NAME>_PORT`` (its first published port), ``ORCH_<NAME>_PORT_<N>`` (the host port of its
port N), ``ORCH_<NAME>_URL``; then the application's own ``env``, its templates resolved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from orch.core.environment.templating import resolve_env
from orch.ports import Endpoint

_NOT_A_NAME = re.compile(r"[^A-Za-z0-9]")


def variable_prefix(service: str) -> str:
    """``ORCH_PAYMENT_DB`` for ``payment-db``."""
    return "ORCH_" + _NOT_A_NAME.sub("_", service).upper()


def service_variables(endpoints: Mapping[str, Endpoint]) -> dict[str, str]:
    """The documented ``ORCH_<NAME>_*`` variables of every started service."""
    variables: dict[str, str] = {}
    for name, found in endpoints.items():
        prefix = variable_prefix(name)
        variables[f"{prefix}_HOST"] = found.host
        if found.port is not None:
            variables[f"{prefix}_PORT"] = str(found.port)
        for container, host in found.ports.items():
            variables[f"{prefix}_PORT_{container}"] = str(host)
        if found.url:
            variables[f"{prefix}_URL"] = found.url
    return variables


def application_variables(
    env: Mapping[str, str], endpoints: Mapping[str, Endpoint]
) -> dict[str, str]:
    """What an application whose ``env`` is as written gets: the services' variables, then its
    own ``env`` resolved (which wins on a name both give)."""
    return {**service_variables(endpoints), **resolve_env(env, endpoints)}
