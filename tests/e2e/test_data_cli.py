"""``orch data`` and test data inside ``orch run``, as a user meets them: generated files that
are the same bytes every time, a copy per worker reset between shards, versions recorded with
the runs that used them, pins, diffs, clear errors, and nothing left behind (even by a run
killed with SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from orch_cli import ORCH, write_files

WORKFLOW = """\
applications:
  shop:
    path: app
    runner: pytest
    test_data: {dataset: shop-data, per: worker, env: SHOP_DB}
    passenv: [SHOP_PAUSE]
execution: {workers: 2}
test_data:
  shop-data:
    seed: 7
    generators:
      orders:
        count: {per: users, min: 1, max: 3}
        schema:
          id: sequence
          user_id: ref:users.id
          status: "enum:new,paid"
          total: "decimal:1..500"
      users:
        count: 30
        schema:
          id: uuid
          age: {kind: int, min: 18, max: 90}
          joined: date
          vip: {kind: bool, nullable: 0.5}
    sink: {sqlite: {path: data/shop.db}}
"""

TESTS = """\
import os, sqlite3, time

def rows(table):
    db = sqlite3.connect(os.environ["SHOP_DB"])
    return db.execute(f"select count(*) from {table}").fetchone()[0]

def test_a_shard_starts_on_the_data_as_loaded_and_may_change_it_{file}():
    assert rows("users") == 30
    db = sqlite3.connect(os.environ["SHOP_DB"])
    db.execute("delete from orders"); db.execute("delete from users"); db.commit()
    assert rows("users") == 0
    time.sleep(float(os.environ.get("SHOP_PAUSE", "0")))
"""


def project(root: Path, files: int = 6) -> Path:
    tests = {f"app/tests/test_shop_{i}.py": TESTS.replace("{file}", str(i)) for i in range(files)}
    return write_files(root, {"orch.yaml": WORKFLOW, **tests})


def orch(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "ORCH_HOME"} | (env or {})
    return subprocess.run(
        [ORCH, *args], cwd=root, capture_output=True, text=True, timeout=120, env=environ
    )


def test_generate_writes_the_same_bytes_every_time_one_jsonl_per_entity(tmp_path: Path) -> None:
    project(tmp_path)
    first = orch(tmp_path, "data", "generate", "-w", "orch.yaml", "shop-data", "--out", "a")
    second = orch(tmp_path, "data", "generate", "shop-data", "--out", "b", "--format", "json")
    assert first.returncode == 0, first.stderr
    assert json.loads(second.stdout)["rows"]["users"] == 30
    for entity in ("users", "orders"):
        assert (tmp_path / "a" / f"{entity}.jsonl").read_bytes() == (
            tmp_path / "b" / f"{entity}.jsonl"
        ).read_bytes()
    users = [json.loads(line) for line in (tmp_path / "a" / "users.jsonl").read_text().splitlines()]
    orders = [
        json.loads(line) for line in (tmp_path / "a" / "orders.jsonl").read_text().splitlines()
    ]
    assert list(users[0]) == ["id", "age", "joined", "vip"]
    assert {o["user_id"] for o in orders} == {u["id"] for u in users}  # 1 to 3 orders each
    assert all(18 <= u["age"] <= 90 for u in users)
    assert "30 rows" in first.stdout.replace("\n", " ") or "users.jsonl  30 rows" in first.stdout


@pytest.mark.parametrize("per", ["worker", "test"])
def test_a_run_gives_each_shard_a_fresh_copy_and_records_the_version(
    tmp_path: Path, per: str
) -> None:
    """Each test empties its copy: with a copy per test (a shard each, six shards on two
    copies) every one passes only if each copy is reset before the next shard takes it; with
    one per worker, only when each shard has its own (the first run splits by file)."""
    project(tmp_path)
    workflow = (tmp_path / "orch.yaml").read_text()
    (tmp_path / "orch.yaml").write_text(workflow.replace("per: worker", f"per: {per}"))
    done = orch(tmp_path, "run", ".", "--format", "json", *(["-n", "6"] if per == "worker" else []))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert {t["outcome"] for t in report["tests"]} == {"passed"}
    run = report["run"]["id"]
    seen = json.loads((tmp_path / ".orch" / "runs" / run / "data.json").read_text())
    assert seen["shop"]["dataset"] == "shop-data" and seen["shop"]["per"] == per
    versions = orch(tmp_path, "data", "versions", "--format", "json")
    [version] = json.loads(versions.stdout)
    assert version["version"] == seen["shop"]["version"]
    assert [used["run"] for used in version["runs"]] == [run]
    status = json.loads(orch(tmp_path, "status", "--format", "json").stdout)
    assert status["data"]["shop"]["version"] == version["version"]
    assert list((tmp_path / "data").iterdir()) == []  # every copy and the load removed


def test_a_pinned_version_is_regenerated_from_its_own_spec(tmp_path: Path) -> None:
    project(tmp_path)
    orch(tmp_path, "data", "generate", "shop-data", "--out", "before")
    [old] = json.loads(orch(tmp_path, "data", "versions", "--format", "json").stdout)
    changed = WORKFLOW.replace("seed: 7", "seed: 8")
    (tmp_path / "orch.yaml").write_text(changed)
    orch(tmp_path, "data", "generate", "shop-data", "--out", "after")
    new = json.loads(orch(tmp_path, "data", "versions", "--format", "json").stdout)[-1]
    diff = orch(tmp_path, "data", "diff", old["version"][:12], new["version"][:12])
    assert diff.returncode == 0, diff.stderr
    assert "users: +30 -30 ~0" in diff.stdout
    pinned = changed.replace("    seed: 8\n", f"    seed: 8\n    version: {old['version'][:12]}\n")
    (tmp_path / "orch.yaml").write_text(pinned)
    again = orch(tmp_path, "data", "generate", "shop-data", "--out", "pinned")
    assert again.returncode == 0, again.stderr
    for entity in ("users", "orders"):
        assert (tmp_path / "pinned" / f"{entity}.jsonl").read_bytes() == (
            tmp_path / "before" / f"{entity}.jsonl"
        ).read_bytes()
    (tmp_path / "orch.yaml").write_text(pinned.replace(old["version"][:12], "0123456789ab"))
    refused = orch(tmp_path, "data", "generate", "shop-data", "--out", "x")
    assert refused.returncode == 2
    assert "$.test_data.shop-data.version: version 0123456789ab is neither" in refused.stderr


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("age: {kind: int, min: 18, max: 90}", "age: {kind: integr}"),
        ("count: 30", "count: -1"),
        ("user_id: ref:users.id", "user_id: ref:customers.id"),
        ("dataset: shop-data,", "dataset: shop-date,"),
        ("id: uuid\n", "id: {kind: enum, values: [a, b], unique: true}\n"),
    ],
)
def test_bad_data_is_one_clear_line_and_no_test_starts(
    tmp_path: Path, change: str, expected: str
) -> None:
    project(tmp_path, files=1)
    (tmp_path / "orch.yaml").write_text(WORKFLOW.replace(change, expected))
    done = orch(tmp_path, "run", ".")
    assert done.returncode == 2, done.stdout + done.stderr
    line = done.stderr.strip().splitlines()
    assert len(line) == 1 and line[0].startswith("orch: error: orch.yaml: $."), done.stderr
    assert "passed" not in done.stdout


def test_load_reset_and_clean_by_hand(tmp_path: Path) -> None:
    project(tmp_path, files=1)
    loaded = orch(tmp_path, "data", "load", "shop-data", "--format", "json")
    assert loaded.returncode == 0, loaded.stderr
    address = json.loads(loaded.stdout)["address"]
    import sqlite3

    with sqlite3.connect(address) as db:
        db.execute("delete from orders")
    assert orch(tmp_path, "data", "reset", "shop-data").returncode == 0
    with sqlite3.connect(address) as db:
        assert db.execute("select count(*) from orders").fetchone()[0] > 30
    cleaned = orch(tmp_path, "data", "clean")
    assert cleaned.stdout.count("removed ") == 2, cleaned.stdout
    assert list((tmp_path / "data").iterdir()) == []
    assert orch(tmp_path, "data", "clean").stdout.strip() == "nothing to clean"
    missing = orch(tmp_path, "data", "reset", "shop-data")
    assert missing.returncode == 2 and "is not loaded" in missing.stderr


def test_what_a_killed_run_left_is_cleaned_and_a_live_runs_is_kept(tmp_path: Path) -> None:
    project(tmp_path, files=1)
    environ = {k: v for k, v in os.environ.items() if k != "ORCH_HOME"} | {"SHOP_PAUSE": "60"}
    running = subprocess.Popen(
        [ORCH, "run", "."],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list((tmp_path / "data").glob("*@*.db"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(list((tmp_path / "data").glob("*.db"))) == 4  # the load, 2 copies, a spare
        assert orch(tmp_path, "data", "clean").stdout.strip() == "nothing to clean"  # alive
    finally:
        os.killpg(running.pid, signal.SIGKILL)
        running.wait()
    cleaned = orch(tmp_path, "data", "clean")
    assert cleaned.stdout.count("removed ") == 4, cleaned.stdout
    assert list((tmp_path / "data").iterdir()) == []


@pytest.mark.parametrize(
    ("sink", "expected"),
    [
        (
            "{postgres: {url: 'postgresql://orch:secret-pw@127.0.0.1:9/shop'}}",
            "cannot connect to PostgreSQL at 127.0.0.1:9",
        ),
        ("{sqlite: {path: /proc/nowhere/shop.db}}", "sqlite sink: cannot write"),
        (
            "{sqlite: {paht: data/shop.db}}",
            "sink sqlite: unknown option 'paht'; did you mean 'path'?",
        ),
    ],
)
def test_a_sink_that_cannot_load_stops_the_run_before_any_test(
    tmp_path: Path, sink: str, expected: str
) -> None:
    project(tmp_path, files=1)
    workflow = (tmp_path / "orch.yaml").read_text()
    (tmp_path / "orch.yaml").write_text(workflow.replace("{sqlite: {path: data/shop.db}}", sink))
    done = orch(tmp_path, "run", ".")
    assert done.returncode in (2, 4), done.stdout + done.stderr
    assert expected in done.stderr, done.stderr
    assert "secret-pw" not in done.stdout + done.stderr
    assert "passed" not in done.stdout


PG_WORKFLOW = WORKFLOW.replace(
    "    passenv: [SHOP_PAUSE]\n",
    "    passenv: [SHOP_PAUSE]\n    environment: it\n",
).replace("{sqlite: {path: data/shop.db}}", '{postgres: {url: "{db.url}"}}') + (
    "environments:\n  it:\n    services:\n      db: {type: postgres, config: {mode: process}}\n"
)


def test_load_into_an_environment_kept_up_by_hand(tmp_path: Path) -> None:
    import psycopg

    project(tmp_path, files=1)
    (tmp_path / "orch.yaml").write_text(PG_WORKFLOW)
    refused = orch(tmp_path, "data", "load", "shop-data")
    assert refused.returncode == 2 and "bring it up with `orch env up` first" in refused.stderr
    assert orch(tmp_path, "env", "up", "it").returncode == 0
    try:
        loaded = orch(tmp_path, "data", "load", "shop-data", "--format", "json")
        assert loaded.returncode == 0, loaded.stderr
        shown = json.loads(loaded.stdout)
        assert ":***@" in shown["address"]  # the password is not shown
        kept = json.loads(orch(tmp_path, "env", "status", "--format", "json").stdout)
        url = f"{kept[0]['services']['db']['url'].rsplit('/', 1)[0]}/{shown['place']}"
        with psycopg.connect(url, autocommit=True) as db:
            assert db.execute("select count(*) from users").fetchone()[0] == 30
            db.execute("delete from orders")
        assert orch(tmp_path, "data", "reset", "shop-data").returncode == 0
        with psycopg.connect(url, autocommit=True) as db:
            assert db.execute("select count(*) from orders").fetchone()[0] >= 30
        cleaned = orch(tmp_path, "data", "clean")
        assert cleaned.stdout.count("removed ") == 2, cleaned.stdout
    finally:
        orch(tmp_path, "env", "down", "it")
