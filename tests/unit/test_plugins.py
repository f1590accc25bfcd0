"""The registry: adapters by kind and name; duplicates and unknown names are clear errors."""

from __future__ import annotations

import inspect

import pytest

from orch.core.plugins import PluginInfo, Registry, load_registry
from orch.ports import PluginError, hookimpl


class Runner:
    PLUGIN_NAME = "pytest"


def test_duplicate_names_name_both_packages():
    first = PluginInfo("runner", "pytest", "orch-pytest", "0.1.0", "orch.adapters.pytest", Runner)
    second = PluginInfo("runner", "pytest", "acme-pytest", "2.0", "acme.runner", Runner)
    with pytest.raises(PluginError) as caught:
        Registry([first, second])
    assert str(caught.value) == (
        "two packages provide the runner adapter 'pytest': orch-pytest 0.1.0 "
        "(orch.adapters.pytest) and acme-pytest 2.0 (acme.runner); uninstall one of them"
    )


def test_unknown_name_suggests_the_closest():
    registry = Registry([PluginInfo("runner", "pytest", "d", "1", "m", Runner)])
    with pytest.raises(PluginError, match=r"unknown runner 'pytets'; did you mean 'pytest'\?"):
        registry.get("runner", "pytets")


def test_a_class_without_plugin_name_is_refused():
    class Broken:
        @hookimpl
        def orch_register_test_runners(self):
            return [object]

    with pytest.raises(PluginError, match="without a PLUGIN_NAME"):
        load_registry([Broken()], entry_points=False)


def test_installed_default_adapters_load_through_entry_points():
    registry = load_registry()
    assert {"pytest", "command"} <= set(registry.names("runner"))
    assert "local" in registry.names("executor") and "sqlite" in registry.names("store")
    assert "git" in registry.names("vcs") and {"junit", "testng"} <= set(registry.names("parser"))
    by_name = {(i.kind, i.name): i for i in registry.infos()}
    assert by_name[("runner", "pytest")].distribution == "orch-pytest"
    assert by_name[("store", "sqlite")].distribution == "orch-local"
    assert by_name[("provisioner", "process")].distribution == "orch-local"


def test_every_hook_is_documented_and_prefixed():
    from orch.ports import hooks

    specs = [name for name in dir(hooks) if name.startswith("orch_")]
    assert specs, "no hookspecs found"
    for name in specs:
        doc = getattr(hooks, name).__doc__ or ""
        assert ".. versionadded::" in doc, name
        if name in hooks.KINDS.values():
            assert ":return:" in doc, name
        for argument in inspect.signature(getattr(hooks, name)).parameters:
            assert f":param {argument}:" in doc, (name, argument)
    assert set(hooks.KINDS.values()) | set(hooks.LIFECYCLE) == set(specs)
