"""What the schema of environments cannot say, checked once the file has the right shape.

Service names usable in templates, the settings each type takes, ``build`` directories on
disk, ``depends_on`` and templates naming services that exist (the closest suggested), ports
that templates and waits name being published, dependency cycles (named: ``a -> b -> a``),
and applications naming an environment that exists. In a file, ``env`` values are checked as
written, then their ``${NAME}`` expanded from orch's environment (braces of what comes in
escaped, so a value cannot become a template). Each problem is a (JSON path, message) pair.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path

from attrs import evolve

from orch.core.shared.documents import Message, join_path
from orch.core.shared.documents import shown as cut
from orch.core.shared.graphs import find_cycle
from orch.core.shared.spelling import unknown
from orch.core.shared.templates import Reference, cycle_problem, parse, service_needs, shown
from orch.core.shared.variables import expand
from orch.core.workflow.env_vars import env_problems
from orch.core.workflow.paths import directory
from orch.ports.environment import EnvironmentSpec, ServiceSpec

Problems = list[tuple[str, Message]]

ORCH = "orch's environment"
"""Where an application's and a service's ``${NAME}`` come from."""

_SERVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
"""A service name is a host name too, and ``{NAME.host}`` ends it at the first dot."""

NOT_FOR = {
    "docker": (),
    "process": ("image", "build", "volumes"),
    "postgres": ("build", "command", "volumes"),
    "simulator": ("image", "build", "command", "volumes"),
}
"""The settings a type of service does not take (a postgres service's ``config`` aside)."""


class Placing:
    """Checks and places the environments of one workflow: ``root`` is where ``build``
    directories are resolved; ``environ`` expands ``${NAME}`` (None: the Python API, which
    expands nothing)."""

    def __init__(self, root: Path, environ: Mapping[str, str] | None) -> None:
        self.root = root
        self.environ = environ
        self.parents: dict[str, str] = {}

    def environment(self, spec: EnvironmentSpec, where: str) -> tuple[EnvironmentSpec, Problems]:
        """``spec`` with its builds resolved and its ``env`` expanded, and its problems."""
        problems: Problems = []
        services = []
        for service in spec.services:
            placed, found = self.service(service, join_path(f"{where}.services", service.name))
            services.append(placed)
            problems.extend(found)
        whole = evolve(spec, services=tuple(services))
        return whole, problems or links(whole, where)

    def service(self, service: ServiceSpec, where: str) -> tuple[ServiceSpec, Problems]:
        """What is wrong with ``service`` on its own, and the service placed."""
        problems: Problems = []
        if not _SERVICE_NAME.fullmatch(service.name):
            problems.append((where, "a service name is letters, digits, '-' and '_' (at most 63)"))
        for key in NOT_FOR[service.type]:
            if getattr(service, key):
                wrong = f"a {service.type} service does not take {key}"
                problems.append((f"{where}.{key}", wrong))
        if service.type == "docker" and not service.image and service.build is None:
            problems.append((where, "a docker service needs an image or a build directory"))
        if service.type == "process" and not service.command:
            problems.append((where, "a process service needs a command"))
        if service.wait.command is not None and not service.wait.command.command:
            problems.append((f"{where}.wait.command", "the command is empty"))
        build = service.build
        if build is not None and service.type == "docker":
            build, wrong = directory(self.root, str(build), self.parents)
            if wrong:
                problems.append((f"{where}.build", wrong))
        problems.extend(env_problems(dict(service.env), f"{where}.env"))
        env = self.env(service.env, f"{where}.env", problems)
        return evolve(service, build=build, env=env), problems

    def env(
        self, env: Mapping[str, str], where: str, problems: Problems, template: bool = True
    ) -> dict[str, str]:
        """``env`` checked as templates (as written) and expanded; problems added. Not a
        ``template`` (an application without an environment): its braces are plain text."""
        done = {}
        for key, value in env.items():
            at = join_path(where, key)
            if template:
                written = self.environ is not None
                problems.extend((at, problem) for problem in parse(value, written)[1])
            if self.environ is None:
                done[key] = value
                continue
            done[key], wrong = expand(value, self.environ, ORCH, template=template)
            problems.extend((at, problem) for problem in wrong)
        return done


def links(spec: EnvironmentSpec, where: str) -> Problems:
    """What is wrong between the services of ``spec`` (each fine on its own): what they name,
    then, when that is right, a dependency cycle."""
    problems: Problems = []
    for service in spec.services:
        problems.extend(_links(service, join_path(f"{where}.services", service.name), spec))
    if not problems:
        cycle = _cycle(spec)
        if cycle:
            problems.append((f"{where}.services", cycle))
    return problems


def _links(service: ServiceSpec, where: str, spec: EnvironmentSpec) -> Problems:
    """``depends_on``, templates and waits naming services and ports that exist."""
    names = [other.name for other in spec.services]
    problems: Problems = []
    for index, name in enumerate(service.depends_on):
        if name not in names:
            wrong = partial(unknown, "service", cut(name), names)
            problems.append((f"{where}.depends_on[{index}]", wrong))
    problems.extend(template_problems(service.env, f"{where}.env", spec))
    for kind in ("port", "http"):
        strategy = getattr(service.wait, kind)
        if strategy is not None and strategy.port and not service.published(strategy.port):
            problems.append((f"{where}.wait.{kind}", _unpublished(service, strategy.port)))
    return problems


def template_problems(env: Mapping[str, str], where: str, spec: EnvironmentSpec) -> Problems:
    """The references of ``env`` (stored values) that name no service or field of ``spec``."""
    problems: Problems = []
    for key, value in env.items():
        for piece in parse(value)[0]:
            if isinstance(piece, Reference):
                wrong = _reference_problem(piece, spec)
                if wrong:
                    problems.append((join_path(where, key), wrong))
    return problems


def _reference_problem(reference: Reference, spec: EnvironmentSpec) -> Message:
    service = spec.service(reference.service)
    if service is None:
        names = [other.name for other in spec.services]
        return partial(unknown, "service", cut(reference.service), names)
    if reference.field in ("port", "url") and not service.ports:
        return f"{shown(reference)}: service '{service.name}' publishes no port; give it ports"
    if reference.field == "ports" and not service.published(int(reference.key)):
        return f"{shown(reference)}: {_unpublished(service, int(reference.key))}"
    if reference.field == "env" and reference.key not in service.env:
        if not service.env:
            return f"{shown(reference)}: service '{service.name}' sets no env"
        names = list(service.env)
        return f"{shown(reference)}: {unknown('variable', cut(reference.key), names, 'its env')}"
    return ""


def _unpublished(service: ServiceSpec, port: int) -> str:
    published = ", ".join(str(mapping.container) for mapping in service.ports) or "none"
    return f"service '{service.name}' publishes no port {port} (it publishes: {published})"


def _cycle(spec: EnvironmentSpec) -> str:
    """The first dependency cycle of ``spec`` as a message, or ``""``."""
    names = [service.name for service in spec.services]
    needs = {service.name: service_needs(service) for service in spec.services}
    cycle = find_cycle(names, lambda name: needs[name])
    return cycle_problem(cycle) if cycle else ""


def environment_problems(
    name: str, env: Mapping[str, str], where: str, environments: Mapping[str, EnvironmentSpec]
) -> Problems:
    """An application's ``environment`` (``name``) is one of ``environments``; its ``env``
    templates name that environment's services."""
    if not name:
        return []
    spec = environments.get(name)
    if spec is None:
        wrong = partial(unknown, "environment", cut(name), list(environments))
        return [(f"{where}.environment", wrong)]
    return template_problems(env, f"{where}.env", spec)
