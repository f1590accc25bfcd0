"""The registry loads a plugin only when a kind (or one adapter) it declares is asked for, holds
it to its declarations, and builds adapters by each port's constructor contract."""

from __future__ import annotations

import sys
import textwrap
from itertools import count
from pathlib import Path

import pytest

from orch.core import bootstrap
from orch.core.plugins import PORTS, load_registry
from orch.ports import PluginError, hookimpl
from orch.ports.hooks import KINDS

_numbers = count()


class Site:
    """A folder on ``sys.path`` holding real (if minimal) installed distributions."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        monkeypatch.syspath_prepend(str(root))
        self._monkeypatch = monkeypatch

    def install(self, code: str, declares: dict[str, list[str]] | None = None) -> str:
        """A distribution whose ``orch`` plugin module runs ``code``, declaring ``declares``
        (kind: adapter names); returns the module's name (unique, so never imported yet)."""
        module = f"acme_plugin_{next(_numbers)}"
        self._monkeypatch.delitem(sys.modules, module, raising=False)
        header = "from orch.ports import hookimpl\n"
        (self.root / f"{module}.py").write_text(header + textwrap.dedent(code))
        dist = self.root / f"{module}-1.0.dist-info"
        dist.mkdir()
        name = module.replace("_", "-")
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        groups = [f"[orch]\nacme = {module}\n"]
        for kind, names in (declares or {}).items():
            groups.append(f"[orch.{kind}]\n" + "".join(f"{n} = {module}\n" for n in names))
        (dist / "entry_points.txt").write_text("\n".join(groups))
        return module


def adapter(hook: str, cls: str, name: str, init: str = "def __init__(self): pass") -> str:
    """Plugin code registering one class ``cls`` called ``name`` through ``hook``."""
    return f"""
        class {cls}:
            PLUGIN_NAME = {name!r}
            {init}

        @hookimpl
        def {hook}():
            return [{cls}]
        """


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    (tmp_path / "site").mkdir()
    return Site(tmp_path / "site", monkeypatch)


def test_a_plugin_is_imported_only_when_its_kind_is_asked_for(site: Site) -> None:
    tracker = site.install(
        adapter("orch_register_issue_trackers", "Tracker", "acme"), {"tracker": ["acme"]}
    )
    registry = load_registry()
    assert "sqlite" in registry.names("store")
    assert tracker not in sys.modules
    assert "acme" in registry.names("tracker")
    assert tracker in sys.modules


def test_asking_for_one_adapter_loads_only_the_plugin_that_declares_it(site: Site) -> None:
    first = site.install(
        adapter("orch_register_issue_trackers", "One", "one"), {"tracker": ["one"]}
    )
    second = site.install(
        adapter("orch_register_issue_trackers", "Two", "two"), {"tracker": ["two"]}
    )
    registry = load_registry()
    assert registry.get("tracker", "one").__module__ == first
    assert second not in sys.modules
    assert {"one", "two", "inbox"} <= set(registry.names("tracker"))


def test_a_plugin_that_declares_nothing_is_loaded_for_any_kind(site: Site) -> None:
    module = site.install(adapter("orch_register_test_runners", "Behave", "behave"))
    registry = load_registry()
    registry.get("store", "sqlite")
    assert module in sys.modules
    assert "behave" in registry.names("runner")


def test_an_undeclared_duplicate_is_caught_when_its_kind_is_asked_for(site: Site) -> None:
    site.install(adapter("orch_register_issue_trackers", "Inbox", "inbox"))
    registry = load_registry()
    with pytest.raises(PluginError, match="two packages provide the tracker adapter 'inbox'"):
        registry.get("tracker", "inbox")


def test_registering_an_undeclared_adapter_names_the_group_to_declare_it_in(site: Site) -> None:
    code = adapter("orch_register_test_runners", "Runner", "behave") + adapter(
        "orch_register_result_parsers", "Parser", "feature"
    )
    module = site.install(code, {"runner": ["behave"]})
    with pytest.raises(PluginError) as caught:
        load_registry().get("runner", "behave")
    assert str(caught.value) == (
        f"{module.replace('_', '-')} 1.0: its orch plugin 'acme' registers parser 'feature' but "
        "declares no parser (entry-point group orch.parser); declare exactly the adapters it "
        "registers"
    )


def test_an_unknown_declaration_group_is_named(site: Site) -> None:
    site.install(adapter("orch_register_test_runners", "R", "behave"), {"runners": ["behave"]})
    with pytest.raises(PluginError, match=r"unknown entry-point group orch\.runners \(known: "):
        load_registry().infos()


def test_lifecycle_hooks_must_be_declared(site: Site) -> None:
    code = (
        adapter("orch_register_test_runners", "R", "behave")
        + """
        @hookimpl
        def orch_run_finish():
            pass
        """
    )
    site.install(code, {"runner": ["behave"]})
    with pytest.raises(PluginError, match=r"implements orch_run_finish .* group orch\.lifecycle"):
        load_registry().names("runner")


def test_a_lifecycle_plugin_is_loaded_for_the_hooks_not_for_adapters(site: Site) -> None:
    code = """
        @hookimpl
        def orch_run_finish():
            pass
        """
    module = site.install(code, {"lifecycle": ["acme"]})
    registry = load_registry()
    registry.names("runner")
    assert module not in sys.modules
    registry.hook  # noqa: B018 - reaching the hooks loads every lifecycle plugin
    assert sys.modules[module] in registry.manager.get_plugins()


def test_every_kind_has_a_constructor_contract() -> None:
    assert set(PORTS) == set(KINDS)


def test_a_store_and_a_tracker_are_given_the_state_directory(site: Site, tmp_path: Path) -> None:
    keeps = "def __init__(self, state_dir): self.state_dir = state_dir"
    code = adapter("orch_register_stores", "S", "kept", keeps) + adapter(
        "orch_register_issue_trackers", "T", "kept", keeps
    )
    site.install(code, {"store": ["kept"], "tracker": ["kept"]})
    services = bootstrap(tmp_path / "project", store_name="kept")
    assert services.store.state_dir == tmp_path / "project" / ".orch"
    assert services.tracker("kept").state_dir == tmp_path / "project" / ".orch"


def test_a_constructor_breaking_the_contract_is_one_clear_error(site: Site, tmp_path: Path) -> None:
    module = site.install(adapter("orch_register_stores", "Store", "bare"), {"store": ["bare"]})
    services = bootstrap(tmp_path, store_name="bare")
    with pytest.raises(PluginError) as caught:
        services.store  # noqa: B018
    message = str(caught.value)
    assert message.startswith(f"the store adapter 'bare' ({module}.Store) cannot be built: ")
    assert "a store is given the state directory" in message and "fix its __init__" in message


def test_services_build_only_what_is_used(site: Site, tmp_path: Path) -> None:
    runner = site.install(
        adapter("orch_register_test_runners", "R", "behave"), {"runner": ["behave"]}
    )
    services = bootstrap(tmp_path)
    services.store.latest_run()
    services.close()
    assert runner not in sys.modules


def test_a_plugin_registered_in_code_counts_until_it_is_unregistered() -> None:
    class Behave:
        PLUGIN_NAME = "behave"

    class Plugin:
        @hookimpl
        def orch_register_test_runners(self):
            return [Behave]

    registry = load_registry(entry_points=False)
    assert registry.names("runner") == []
    plugin = Plugin()
    registry.register(plugin)
    assert registry.runners.get("behave") is Behave
    registry.unregister(plugin)
    assert registry.names("runner") == []


def test_a_run_builds_only_the_runners_its_applications_name(site: Site, tmp_path: Path) -> None:
    first = site.install(adapter("orch_register_test_runners", "One", "one"), {"runner": ["one"]})
    second = site.install(adapter("orch_register_test_runners", "Two", "two"), {"runner": ["two"]})
    runners = bootstrap(tmp_path, registry=load_registry()).runners
    one = runners["one"]
    assert type(one).__name__ == "One" and runners["one"] is one  # built once
    assert first in sys.modules and second not in sys.modules
    assert runners.get("nope") is None and "nope" not in runners
    assert {"one", "two", "pytest"} <= set(runners) and len(runners) == len(list(runners))
    assert second in sys.modules  # listing them loads every runner plugin
