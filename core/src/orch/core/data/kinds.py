"""The kinds a schema may name: the built-in ones (stdlib only) and the plugins' (registered
through ``orch_register_field_kinds``: orch-mimesis's names and emails, and others)."""

from __future__ import annotations

from orch.core.data.choice_kinds import BoolKind, EnumKind, JsonKind, SequenceKind, UuidKind
from orch.core.data.numeric_kinds import DecimalKind, IntKind
from orch.core.data.pattern_kinds import PatternKind, TemplateKind
from orch.core.data.time_kinds import DateKind, TimestampKind
from orch.core.plugins import Registry
from orch.ports import PluginError
from orch.ports.field_kinds import FieldKind

BUILT_IN: tuple[type[FieldKind], ...] = (
    UuidKind,
    IntKind,
    DecimalKind,
    BoolKind,
    EnumKind,
    TimestampKind,
    DateKind,
    SequenceKind,
    JsonKind,
    PatternKind,
    TemplateKind,
)


def built_in_kinds() -> dict[str, FieldKind]:
    """The kinds core brings, by name."""
    return {cls.PLUGIN_NAME: cls() for cls in BUILT_IN}


def available_kinds(registry: Registry) -> dict[str, FieldKind]:
    """The built-in kinds plus the plugins'; a plugin may not take a built-in kind's name."""
    kinds = built_in_kinds()
    for name in registry.field_kinds.names():
        if name in kinds:
            raise PluginError(
                f"field kind '{name}' is built into orch; the plugin that "
                f"registers it must choose another name"
            )
        kinds[name] = registry.field_kinds.get(name)()
    return kinds
