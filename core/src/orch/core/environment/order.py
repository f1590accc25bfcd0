"""The order an environment's services start in: by levels, each level's services independent of
each other (they may start in parallel), every service after all it waits for (its
``depends_on`` and the services its ``env`` templates name)."""

from __future__ import annotations

from orch.core.shared.graphs import find_cycle
from orch.core.shared.templates import cycle_problem, service_needs
from orch.ports import ConfigError, EnvironmentSpec


def start_levels(spec: EnvironmentSpec) -> tuple[tuple[str, ...], ...]:
    """The services of ``spec`` in levels, each in declaration order; a ``ConfigError`` names a
    dependency cycle (``a -> b -> a``) or a service that waits for one ``spec`` lacks."""
    needs = {service.name: service_needs(service) for service in spec.services}
    for name, wanted in needs.items():
        missing = [other for other in wanted if other not in needs]
        if missing:
            raise ConfigError(
                f"environment '{spec.name}': service '{name}' waits for '{missing[0]}', "
                "which it does not have"
            )
    levels: list[tuple[str, ...]] = []
    started: set[str] = set()
    while len(started) < len(needs):
        level = tuple(
            name
            for name, wanted in needs.items()
            if name not in started and started.issuperset(wanted)
        )
        if not level:
            cycle = find_cycle([n for n in needs if n not in started], lambda n: needs[n])
            raise ConfigError(f"environment '{spec.name}': {cycle_problem(cycle)}")
        levels.append(level)
        started.update(level)
    return tuple(levels)
