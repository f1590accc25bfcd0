"""Templates resolved against started services: ``{db.host}``, ``{db.port}``,
``{db.ports.5432}``, ``{db.url}``, ``{db.env.NAME}``; ``{{``/``}}`` are braces.

The workflow checks every template when it is loaded (``orch.core.workflow.environments``);
here they are resolved, given the ``Endpoint`` each started service got. ``endpoint`` makes that
value from what provisioning reports (the host ports it published, the service's own resolved
``env``), with the ``url`` tests are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from orch.core.shared.templates import Reference, parse, shown
from orch.ports import Endpoint, EnvironmentProblem, ServiceSpec

HOST = "127.0.0.1"
"""Tests and orch reach services only through ports published on this address."""


def endpoint(
    service: ServiceSpec, ports: Mapping[int, int], env: Mapping[str, str], host: str = HOST
) -> Endpoint:
    """The endpoint of ``service`` once started: ``ports`` maps each of its container ports to
    the port of ``host`` it is reached at; the url is ``postgresql://USER:PASSWORD@HOST:PORT/DB``
    for postgres, ``http://HOST:PORT`` for the others (empty when nothing is published)."""
    missing = [
        str(mapping.container) for mapping in service.ports if mapping.container not in ports
    ]
    if missing:
        raise EnvironmentProblem(
            f"service '{service.name}': no host port was published for {', '.join(missing)}"
        )
    ordered = {mapping.container: ports[mapping.container] for mapping in service.ports}
    first = next(iter(ordered.values()), None)
    url = ""
    if first is not None and service.config is not None:
        config = service.config
        login = f"{quote(config.user, safe='')}:{quote(config.password, safe='')}"
        url = f"postgresql://{login}@{host}:{first}/{quote(config.database, safe='')}"
    elif first is not None:
        url = f"http://{host}:{first}"
    return Endpoint(host=host, ports=ordered, url=url, env=dict(env))


def resolve(text: str, endpoints: Mapping[str, Endpoint]) -> str:
    """``text`` with each reference replaced by what ``endpoints`` (by service name) say;
    ``EnvironmentProblem`` when one names a service or port that was not started."""
    pieces, problems = parse(text)
    if problems:
        raise EnvironmentProblem(f"template {text[:60]!r}: {problems[0]}")
    return "".join(
        piece if isinstance(piece, str) else _value(piece, endpoints) for piece in pieces
    )


def resolve_env(env: Mapping[str, str], endpoints: Mapping[str, Endpoint]) -> dict[str, str]:
    """Every value of ``env`` resolved (an application's or a service's)."""
    return {key: resolve(value, endpoints) for key, value in env.items()}


def _value(reference: Reference, endpoints: Mapping[str, Endpoint]) -> str:
    found = endpoints.get(reference.service)
    value: object = None
    if found is not None:
        if reference.field == "host":
            value = found.host
        elif reference.field == "port":
            value = found.port
        elif reference.field == "url":
            value = found.url or None
        elif reference.field == "ports":
            value = found.ports.get(int(reference.key))
        else:
            value = found.env.get(reference.key)
    if value is None:
        raise EnvironmentProblem(
            f"{shown(reference)}: service '{reference.service}' has not been started with it"
        )
    return str(value)
