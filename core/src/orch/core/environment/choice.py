"""Which provisioner starts a service: one that starts its type and can work here.

A ``docker`` service needs a provisioner of containers (one whose ``SERVICE_TYPES`` has
``docker``), a ``process`` service one of processes. A ``postgres`` service runs as a container
or as a process as its ``config.mode`` says; ``auto`` offers it first to a provisioner of
processes (no image to build or pull: the machine's own PostgreSQL binaries) and, when that one
says what it needs is missing, to a provisioner of containers.
"""

from __future__ import annotations

from collections.abc import Sequence

from orch.ports import Provisioner, ProvisionError, ServiceSpec

_BY_MODE = {"container": ("docker",), "process": ("process",), "auto": ("process", "docker")}


class Choice:
    """The provisioners of a run, asked once each whether they can work here."""

    def __init__(self, provisioners: Sequence[Provisioner]) -> None:
        self.provisioners = provisioners
        self._why_not: dict[str, str | None] = {}

    def candidates(self, service: ServiceSpec) -> list[Provisioner]:
        """The provisioners to offer ``service`` to, in order; a ``ProvisionError`` saying why
        when there is none."""
        kinds = _kinds(service)
        found: list[Provisioner] = []
        reasons: list[str] = []
        for kind in kinds:
            for provisioner in self.provisioners:
                types = provisioner.SERVICE_TYPES
                if kind not in types or service.type not in types or provisioner in found:
                    continue
                why_not = self._unavailable(provisioner)
                if why_not is None:
                    found.append(provisioner)
                else:
                    reasons.append(f"{provisioner.PLUGIN_NAME}: {why_not}")
        if found:
            return found
        wanted = " or ".join(f"'{kind}'" for kind in kinds)
        said = "; ".join(reasons) if reasons else f"no installed provisioner starts {wanted}"
        raise ProvisionError(service.name, f"cannot be started here ({said})")

    def _unavailable(self, provisioner: Provisioner) -> str | None:
        name = provisioner.PLUGIN_NAME
        if name not in self._why_not:
            self._why_not[name] = provisioner.unavailable()
        return self._why_not[name]


def _kinds(service: ServiceSpec) -> tuple[str, ...]:
    if service.type == "postgres":
        return _BY_MODE[service.config.mode if service.config else "auto"]
    return (service.type,)
