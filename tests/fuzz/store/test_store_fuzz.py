"""Seeded fuzzing of orch's store: spoil a real ``.orch/orch.db`` in many ways, then run the
commands that read it (``orch runs``, ``status``, ``select``, ``triage``) and a small ``orch run``
against it.

Whatever the damage: never an internal error (exit 3), a failing command says one line, a run
that started writes its JSON report, and each command ends within its time budget. Commands run
in-process (click's runner) so that hundreds fit in seconds; the read-only cases need a mount of
their own and run as real processes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from read_only import read_only
from wall_clock import budget

from orch.adapters.local.store import SCHEMA_VERSION
from orch.cli.main import cli, register_commands

SEED = 20261202
CASES = 90
SECONDS_PER_COMMAND = budget(5.0)
PAGE = 4096

RESULTS = """<?xml version="1.0"?>
<testsuite name="s" tests="3">
  <testcase classname="c" name="ok"/>
  <testcase classname="c" name="bad"><failure message="boom">trace</failure></testcase>
  <testcase classname="c" name="ok2"/>
</testsuite>
"""
WORKFLOW = """applications:
  app:
    path: .
    runner: {command: {run: "cp results.xml {junit}"}}
"""


def invoke(project: Path, *args: str) -> tuple[int, str, float]:
    """Run ``orch ARGS -C project`` in this process: exit code, stderr, seconds taken."""
    started = time.monotonic()
    done = CliRunner().invoke(cli, [*args, "-C", str(project)], env={"ORCH_HOME": None})
    seconds = time.monotonic() - started
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise AssertionError(f"orch {args} raised {done.exception!r}") from done.exception
    return done.exit_code, done.stderr, seconds


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A project whose store holds two finished runs with a failure (fingerprints, durations)."""
    register_commands()
    root = tmp_path_factory.mktemp("base")
    (root / "orch.yaml").write_text(WORKFLOW)
    (root / "results.xml").write_text(RESULTS)
    for _ in range(2):
        code, err, _ = invoke(root, "run")
        assert code == 1, err
    return root


def _db(state: Path) -> Path:
    return state / "orch.db"


def _bytes(state: Path) -> bytearray:
    return bytearray(_db(state).read_bytes())


def _put(state: Path, data: bytearray) -> None:
    _db(state).write_bytes(bytes(data))


def truncate(rng: random.Random, state: Path) -> str:
    size = _db(state).stat().st_size
    at = rng.randrange(size + 1)
    os.truncate(_db(state), at)
    return f"truncated at {at}"


def flip_bits(rng: random.Random, state: Path) -> str:
    data = _bytes(state)
    where = [rng.randrange(len(data)) for _ in range(rng.randint(1, 8))]
    for offset in where:
        data[offset] ^= 1 << rng.randrange(8)
    _put(state, data)
    return f"bits flipped at {where}"


def zero_pages(rng: random.Random, state: Path) -> str:
    data = _bytes(state)
    pages = rng.sample(range(len(data) // PAGE), k=min(3, len(data) // PAGE))[: rng.randint(1, 3)]
    for page in pages:
        data[page * PAGE : (page + 1) * PAGE] = bytes(PAGE)
    _put(state, data)
    return f"pages {pages} zeroed"


def garbage_page(rng: random.Random, state: Path) -> str:
    data = _bytes(state)
    page = rng.randrange(len(data) // PAGE)
    data[page * PAGE : (page + 1) * PAGE] = rng.randbytes(PAGE)
    _put(state, data)
    return f"page {page} garbage"


def copy_page(rng: random.Random, state: Path) -> str:
    data = _bytes(state)
    source, target = rng.sample(range(len(data) // PAGE), k=2)
    data[target * PAGE : (target + 1) * PAGE] = data[source * PAGE : (source + 1) * PAGE]
    _put(state, data)
    return f"page {source} copied over page {target}"


HEADER_FIELDS = (16, 18, 19, 20, 21, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 92, 96)
"""Offsets of the fields of SQLite's 100-byte file header (page size, encoding, counts, ...)."""


def header_field(rng: random.Random, state: Path) -> str:
    data = _bytes(state)
    offset = rng.choice(HEADER_FIELDS)
    width = rng.choice((1, 2, 4))
    data[offset : offset + width] = rng.randbytes(width)
    _put(state, data)
    return f"header bytes {offset}..{offset + width} random"


def foreign_schema(rng: random.Random, state: Path) -> str:
    _db(state).unlink()
    db = sqlite3.connect(_db(state))
    tables = rng.sample(["runs", "results", "invoices", "users", "durations", "t"], k=2)
    for table in tables:
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute(f"INSERT INTO {table} (name) VALUES ('x')")
    version = rng.choice((0, 1, SCHEMA_VERSION, SCHEMA_VERSION + 1, 2**31 - 1, -5))
    db.execute(f"PRAGMA user_version={version}")
    db.commit()
    db.close()
    return f"foreign tables {tables} at version {version}"


ALTERATIONS = (
    "ALTER TABLE runs DROP COLUMN planned",
    "ALTER TABLE results RENAME COLUMN outcome TO result",
    "DROP TABLE durations",
    "DROP TABLE fingerprints",
    "ALTER TABLE runs RENAME TO old_runs",
    "DROP INDEX runs_started",
    "PRAGMA user_version=1",
    "PRAGMA user_version=0",
)


def altered_schema(rng: random.Random, state: Path) -> str:
    statement = rng.choice(ALTERATIONS)
    db = sqlite3.connect(_db(state))
    db.execute(statement)
    db.commit()
    db.close()
    return statement


VALUES = ("'text'", "X'ff00fe'", "-1", "1e308", "NULL", "CAST(X'80ff' AS TEXT)", "'{'", "9.5")
COLUMNS = (
    ("runs", "started_at"),
    ("runs", "ended_at"),
    ("runs", "exit_code"),
    ("runs", "status"),
    ("runs", "planned"),
    ("runs", "pid"),
    ("results", "outcome"),
    ("results", "duration"),
    ("results", "markers"),
    ("results", "message"),
    ("durations", "seconds"),
    ("fingerprints", "occurrences"),
)


def wrong_value(rng: random.Random, state: Path) -> str:
    table, column = rng.choice(COLUMNS)
    value = rng.choice(VALUES)
    db = sqlite3.connect(_db(state))
    try:
        db.execute(f'UPDATE {table} SET "{column}" = {value}')
        db.commit()
    except sqlite3.IntegrityError:  # NOT NULL: store another value instead
        db.execute(f"UPDATE {table} SET \"{column}\" = 'text'")
        db.commit()
    db.close()
    return f"{table}.{column} = {value}"


def empty_file(rng: random.Random, state: Path) -> str:
    _db(state).write_bytes(b"")
    return "empty file"


def random_file(rng: random.Random, state: Path) -> str:
    _db(state).write_bytes(rng.randbytes(rng.choice((1, 99, 100, 512, PAGE, 3 * PAGE))))
    return "random bytes"


def directory(rng: random.Random, state: Path) -> str:
    _db(state).unlink()
    _db(state).mkdir()
    return "a directory in its place"


def dangling_link(rng: random.Random, state: Path) -> str:
    _db(state).unlink()
    _db(state).symlink_to(state / "gone" / "orch.db")
    return "a link to nowhere"


def no_permissions(rng: random.Random, state: Path) -> str:
    _db(state).chmod(0)
    return "mode 000 (root reads it anyway)"


def garbage_journal(rng: random.Random, state: Path) -> str:
    suffix = rng.choice(("-wal", "-shm"))
    (state / f"orch.db{suffix}").write_bytes(rng.randbytes(rng.choice((32, 1000, 32768))))
    return f"garbage {suffix}"


SPOILERS: tuple[Callable[[random.Random, Path], str], ...] = (
    truncate,
    flip_bits,
    zero_pages,
    garbage_page,
    copy_page,
    header_field,
    foreign_schema,
    altered_schema,
    wrong_value,
    empty_file,
    random_file,
    directory,
    dangling_link,
    no_permissions,
    garbage_journal,
)

OK_CODES = {0, 1, 2, 4, 5}
"""Every exit code but 3: 2 when nothing is left to show ('no run recorded yet')."""


def check(project: Path, case: str, code: int, err: str, seconds: float) -> None:
    assert code in OK_CODES, f"{case}: exit {code}: {err}"
    assert "internal error" not in err and "Traceback" not in err, f"{case}: {err}"
    assert seconds < SECONDS_PER_COMMAND, f"{case}: took {seconds:.1f}s"
    if code in (2, 4):
        errors = [line for line in err.splitlines() if line.startswith("orch: error: ")]
        assert len(errors) <= 1, f"{case}: {err}"


def test_no_spoiled_store_is_an_internal_error(base: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    seen: dict[int, int] = {}
    for number in range(CASES):
        spoil = SPOILERS[number % len(SPOILERS)]
        project = tmp_path / f"case{number}"
        shutil.copytree(base, project, symlinks=True)
        case = f"case {number} ({spoil(rng, project / '.orch')})"
        for command in (["runs"], ["status"], ["select"], ["triage"]):
            code, err, seconds = invoke(project, *command)
            check(project, f"{case}: orch {command[0]}", code, err, seconds)
        report = project / "report.json"
        code, err, seconds = invoke(project, "run", "--json", str(report))
        check(project, f"{case}: orch run", code, err, seconds)
        seen[code] = seen.get(code, 0) + 1
        if code in (0, 1) or "were not stored" in err or report.exists():
            data = json.loads(report.read_text())
            assert data["summary"]["failed"] == 1, case
            if code == 4:
                assert any("were not stored" in p for p in data["problems"]), case
        else:
            assert code == 4 and err.startswith("orch: error: "), f"{case}: {err}"
        shutil.rmtree(project)
    assert seen.get(4, 0) > CASES // 3, f"most spoiled stores are refused: {seen}"
    assert seen.get(1, 0) > 0, f"some spoiled stores still run: {seen}"


READ_ONLY_SPOILERS = (None, flip_bits, foreign_schema)


@pytest.mark.parametrize("spoil", READ_ONLY_SPOILERS, ids=lambda s: s.__name__ if s else "intact")
def test_a_read_only_store_is_read_or_refused_in_one_line(base: Path, tmp_path: Path, spoil):
    project = tmp_path / "project"
    shutil.copytree(base, project, symlinks=True)
    case = spoil(random.Random(SEED), project / ".orch") if spoil else "intact"
    orch = str(Path(sys.executable).parent / "orch")
    with read_only(project / ".orch", tmp_path / "probe") as prefix:
        for args in (["runs"], ["status"], ["run", "--json", str(project / "report.json")]):
            started = time.monotonic()
            done = subprocess.run(
                [*prefix, orch, *args, "-C", str(project)], capture_output=True, text=True
            )
            check(project, f"{case}: {args}", done.returncode, done.stderr, 0.0)
            assert time.monotonic() - started < SECONDS_PER_COMMAND + 2, f"{case}: {args}"
            if spoil is None and args[0] != "run":
                assert done.returncode == 0, done.stderr
            if args[0] == "run":
                assert done.returncode == 4 and "orch: error: " in done.stderr, done.stderr
