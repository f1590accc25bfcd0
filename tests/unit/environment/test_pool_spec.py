"""A pool as written: ``pool: {size, reset, idle}`` in ``orch.yaml`` and ``Environment(...,
pool=...)`` in Python read the same way, leave the spec hash alone, and say a bad value in one
line with its JSON path."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core import Environment
from orch.ports import DEFAULT_POOL_IDLE, ConfigError, Pool

TEXT = """
applications:
  api: {{path: apps/payment, runner: pytest, environment: it}}
environments:
  it:
    services:
      db: {{type: postgres, config: {{mode: process}}}}
{pool}
"""


def test_a_pool_is_read_from_the_file_and_is_not_part_of_the_spec_hash(workflow_file):
    pooled = workflow_file.load(
        TEXT.format(pool='    pool: {size: 3, reset: ["psql -c \\"TRUNCATE t\\""], idle: 90}')
    )
    [spec] = pooled.environments
    assert spec.pool == Pool(3, ('psql -c "TRUNCATE t"',), 90.0)
    [plain] = workflow_file.load(TEXT.format(pool="")).environments
    assert plain.pool is None
    assert spec.spec_hash == plain.spec_hash


def test_a_pool_s_reset_may_be_one_command_line_and_its_idle_has_a_default(workflow_file):
    [spec] = workflow_file.load(TEXT.format(pool="    pool: {reset: ./reset.sh}")).environments
    assert spec.pool == Pool(1, ("./reset.sh",), DEFAULT_POOL_IDLE)


@pytest.mark.parametrize(
    ("pool", "line"),
    [
        ("{size: 0}", "pool.size: a pool size is a whole number from 1 to 64, got 0"),
        ("{size: true}", "pool.size: a pool size is a whole number from 1 to 64, got true"),
        ("{idle: -5}", "pool.idle: idle is a number of seconds above 0, got -5"),
        ("{reset: ['  ']}", "pool.reset: a reset command line is empty; give the command to run"),
        ("{reset: {a: 1}}", "pool.reset: expected a list of strings, got a mapping of 1 key"),
        ("{sise: 2}", "pool.sise: unknown key; did you mean 'size'? (valid: size, reset, idle)"),
        ("[2]", "pool: expected a mapping of settings, got a list of 1 item"),
    ],
)
def test_a_bad_pool_is_one_line_with_its_json_path(workflow_file, pool: str, line: str):
    assert workflow_file.errors(TEXT.format(pool=f"    pool: {pool}")) == [
        f"orch.yaml: $.environments.it.{line}"
    ]


def test_the_python_builder_takes_the_same_pool_and_says_the_same_errors(tmp_path: Path):
    environment = Environment("it", root=tmp_path, pool={"size": 2, "reset": "true"})
    environment.add_service("db", {"type": "postgres"})
    assert environment.spec.pool == Pool(2, ("true",), DEFAULT_POOL_IDLE)
    with pytest.raises(ConfigError) as caught:
        Environment("it", pool={"size": 2, "idle": "soon"})
    assert str(caught.value) == (
        "environment 'it': pool.idle: idle is a number of seconds above 0, got 'soon'"
    )
