"""``test_data`` in orch.yaml: an application's use of a dataset and its mistakes, one line each
at their JSON path."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core import load_registry, load_workflow
from orch.ports import ConfigError
from orch.ports.data import DataUse

DATASET = """
test_data:
  shop:
    seed: 1
    generators:
      users: {count: 2, schema: {id: uuid}}
    sink: {sqlite: {path: shop.db}}
"""


def workflow(tmp_path: Path, use: str, extra: str = "") -> Path:
    (tmp_path / "app").mkdir(exist_ok=True)
    text = f"applications:\n  a:\n    path: app\n    runner: pytest\n    test_data: {use}\n"
    (tmp_path / "orch.yaml").write_text(text + extra + DATASET)
    return tmp_path / "orch.yaml"


@pytest.mark.parametrize(
    ("use", "expected"),
    [
        ("shop", DataUse("shop")),
        ("{dataset: shop, per: run, env: DATABASE_URL}", DataUse("shop", "run", "DATABASE_URL")),
        ("{dataset: shop, per: test}", DataUse("shop", "test")),
    ],
)
def test_an_application_names_its_dataset(tmp_path: Path, use: str, expected: DataUse) -> None:
    loaded = load_workflow(workflow(tmp_path, use), load_registry())
    assert loaded.app("a").test_data == expected
    assert loaded.dataset("shop").sink is not None


@pytest.mark.parametrize(
    ("use", "expected"),
    [
        ("shpo", "$.applications.a.test_data: unknown dataset 'shpo'; did you mean 'shop'?"),
        ("{dataset: shop, per: shard}", "$.applications.a.test_data.per: unknown copy mode"),
        ("{dataset: shop, env: 1X}", "$.applications.a.test_data.env: expected the name of an"),
        ("{dataset: 3}", "$.applications.a.test_data.dataset: expected the name of a dataset"),
        ("{per: run}", "$.applications.a.test_data.dataset: "),
    ],
)
def test_a_wrong_use_is_one_line_at_its_path(tmp_path: Path, use: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_workflow(workflow(tmp_path, use), load_registry())
    assert f"orch.yaml: {expected}" in str(error.value)


def test_a_sink_naming_services_needs_the_application_s_environment(tmp_path: Path) -> None:
    path = workflow(tmp_path, "shop")
    path.write_text(
        path.read_text().replace("{sqlite: {path: shop.db}}", '{postgres: {url: "{db.url}"}}')
    )
    with pytest.raises(ConfigError, match=r"sink\.postgres\.url: '\{db\.url\}' names a service"):
        load_workflow(path, load_registry())
    environment = "environments:\n  it:\n    services:\n      box: {type: process, command: [x]}\n"
    text = path.read_text().replace(
        "    test_data: shop\n", "    test_data: shop\n    environment: it\n"
    )
    path.write_text(text + environment)
    with pytest.raises(ConfigError, match=r"sink\.postgres\.url: unknown service 'db'"):
        load_workflow(path, load_registry())


def test_test_data_must_be_a_mapping(tmp_path: Path) -> None:
    path = workflow(tmp_path, "shop")
    path.write_text(path.read_text().split("test_data:\n  shop:")[0] + "test_data: [shop]\n")
    with pytest.raises(ConfigError, match=r"\$\.test_data: expected a mapping of dataset names"):
        load_workflow(path, load_registry())
