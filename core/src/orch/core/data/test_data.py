"""``TestData``: a dataset declared in Python, as in ``orch.yaml``'s ``test_data:``. Each
generator is checked as it is added, so a mistake is raised at the line that made it, with the
same path the workflow file would show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orch.core.data.validation import check_dataset
from orch.core.shared.data_spec import entity_from, reference_problems, sink_from
from orch.ports.data import DatasetSpec, EntitySpec, SinkSpec
from orch.ports.errors import ConfigError
from orch.ports.field_kinds import FieldKind


class TestData:
    """A named dataset: ``TestData("payments", seed=1).add_generator("users", {...})``.

    ``sink`` is ``{"postgres": {"url": ...}}`` or a ``SinkSpec``; ``version`` pins one.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(
        self,
        name: str,
        seed: int = 0,
        locale: str = "en",
        sink: Mapping[str, Any] | SinkSpec | None = None,
        version: str | None = None,
    ) -> None:
        self.name = name
        self._where = f"test data '{name}': "
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"{self._where}seed: must be a whole number; got {seed!r}")
        if not isinstance(locale, str) or not locale:
            raise ConfigError(f"{self._where}locale: must be a locale name such as 'en'")
        self.seed, self.locale, self.version = seed, locale, version
        if sink is None or isinstance(sink, SinkSpec):
            self.sink = sink
        else:
            self.sink, problems = sink_from(sink, f"{self._where}sink")
            _raise(problems)
        self._entities: dict[str, EntitySpec] = {}

    def add_generator(self, entity: str, mapping: Mapping[str, Any]) -> TestData:
        """Add ``entity`` (``{"count": 10, "schema": {"id": "uuid"}}``), checked at once."""
        if entity in self._entities:
            raise ConfigError(
                f"{self._where}generators.{entity}: added twice; add each entity once"
            )
        spec, problems = entity_from(entity, mapping, f"{self._where}generators.{entity}")
        _raise(problems)
        assert spec is not None
        self._entities[entity] = spec
        return self

    def spec(self, kinds: Mapping[str, FieldKind] | None = None) -> DatasetSpec:
        """The dataset, its references and cycles checked and, given ``kinds``, its kinds."""
        if not self._entities:
            raise ConfigError(f"{self._where}generators: none added; call add_generator first")
        _raise(reference_problems(self._entities.values(), f"{self._where}generators"))
        spec = DatasetSpec(
            name=self.name,
            seed=self.seed,
            entities=tuple(self._entities.values()),
            locale=self.locale,
            sink=self.sink,
            pinned=self.version,
        )
        if kinds is not None:
            _raise(check_dataset(spec, kinds, self._where))
        return spec


def _raise(problems: list[str]) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more)
