"""A seeded fuzzer of the workflow loader (issues 8, 10): 1,200 generated workflow files, YAML and
JSON, with Allure categories and CODEOWNERS beside them, built from a good workflow by the mutations
that once crashed or hung it. Every file loads or gives a ConfigError of at most 21 bounded lines
naming a file, never another exception, and none takes a second; a workflow that loads is
triaged against hostile output within a second too.
"""

from __future__ import annotations

import copy
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from wall_clock import budget

from orch.core import load_workflow
from orch.core.plugins import load_registry
from orch.core.triage.categories import categorise
from orch.core.triage.routing import owners_of
from orch.ports import ConfigError, Failure, Outcome, TestResult

SEED = 8
FILES = 1_200
BUDGET = budget(1.0)
"""Seconds one input may take, loading and triage together."""


SERVICES = {
    "db": {"type": "postgres", "version": "15", "config": {"schemas": ["s.sql"], "port": 0}},
    "api": {
        "type": "docker",
        "build": "apps/pay",
        "ports": {"8080": 0},
        "env": {"DB": "{db.url}", "PORT": "{db.ports.5432}"},
        "depends_on": ["db"],
        "wait": {"http": "/health", "log": "ready", "timeout": 5},
        "resources": {"cpus": 1, "memory": "256m"},
    },
}
"""An environment every application uses (issue 10): hostile values land in it too."""


def good(generator: random.Random) -> dict[str, Any]:
    """A workflow that loads: one to three applications, an environment, execution and triage
    settings."""
    apps = {}
    for index in range(generator.randint(1, 3)):
        apps[f"app-{index}"] = {
            "path": "apps/pay",
            "runner": generator.choice(
                ["pytest", {"pytest": {"args": ["-q"]}}, {"command": {"run": "make test {junit}"}}]
            ),
            "priority": generator.randint(0, 5),
            "env": {"DB_HOST": "localhost"},
            "paths": ["tests"],
            "timeout": 30,
            "select": {"mapping_rules": [{"source": "src/(.*)\\.py", "tests": "tests/{1}.py"}]},
            "environment": "it",
        }
    return {
        "applications": apps,
        "environments": {"it": {"services": copy.deepcopy(SERVICES)}},
        "execution": {"workers": 2, "timeout": 300, "retries": 1},
        "triage": {
            "categories": [{"name": "db", "patterns": ["Connection refused"]}],
            "routing": {"db": "database-team"},
        },
    }


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: dict[str, Callable[[random.Random], Any]] = {
    "string-for-list": lambda g: g.choice(["tests", "docs/*", "-q -x"]),
    "mapping-for-list": lambda g: {"tests": 1, "docs": 2},
    "long-string": lambda g: "x" * g.choice([70_000, 100_000]),
    "nul": lambda g: g.choice(["a\0b", "\0", "tests/\0x"]),
    "empty": lambda g: g.choice(["", " "]),
    "double-colon": lambda g: "a::b",
    "equals": lambda g: "A=B",
    "nan-inf": lambda g: g.choice([float("nan"), float("inf"), float("-inf")]),
    "huge-int": lambda g: 10 ** g.choice([19, 30, 300]),
    "negative": lambda g: -g.randint(1, 10**6),
    "deep": lambda g: nested(g.choice([30, 70, 200])),
    "big-list": lambda g: [0] * g.choice([200, 2_000]),
    "null": lambda g: None,
    "bool": lambda g: g.choice([True, False]),
    "bad-regex": lambda g: g.choice(
        ["a{4294967296}", "(" * 3000 + ")" * 3000, "(", "[", "\\", "(?:(?:(?:a{50}){50}){50}){50}"]
    ),
    "slow-regex": lambda g: g.choice(["(a|aa)+$", "(a+)+$", "(.*a){20}", "(x+x+)+y"]),
    "long-name": lambda g: "n" * g.choice([256, 5000]),
    "surrogate": lambda g: "\udcff-\u202e",
    "variables": lambda g: g.choice(["${" + "A" * 60_000 + "}", "${NOT A NAME}" * 4_000, "$$"]),
}
"""Values put where a good one was, by the class of problem they once caused."""

TEXT_MUTATIONS = (
    "duplicate-line",
    "truncate",
    "bad-bytes",
    "alias-bomb",
    "deep-text",
    "digits",
    "tags",
)
TAGGED = (
    "2020-02-30",
    "2020-01-01 25:00:00",
    "!!timestamp foo",
    "!!int foo",
    "!!float x",
    "!!bool maybe",
    "!!binary '***'",
    "!!python/object:os.system ls",
    "!!set {a: 1}",
    "!!omap [a: 1]",
    "*undefined",
    "&a [*a]",
)
"""Scalars PyYAML's constructors fail on, unsafe tags, aliases to nothing or to themselves."""


def paths_in(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in ``value`` a hostile value can go."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_in(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths_in(item, (*path, index))
    return found


def put(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    place: Any = document
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = value


def alias_bomb(generator: random.Random) -> str:
    levels = ['b0: &b0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]" for i in range(1, 9)]
    depth = generator.randint(3, 8)
    return (
        "x-defs:\n"
        + "".join(f"  {line}\n" for line in levels[: depth + 1])
        + f"applications: {{pay: {{path: *b{depth}, runner: pytest, paths: *b{depth}}}}}\n"
    )


def priority_of(value: str) -> bytes:
    """A workflow whose one application's priority is written ``value``."""
    text = f"applications: {{pay: {{path: apps/pay, runner: pytest, priority: {value}}}}}\n"
    return text.encode()


def mutated_text(generator: random.Random, text: str, kind: str) -> bytes:
    if kind == "duplicate-line":
        lines = text.splitlines(keepends=True)
        at = generator.randrange(len(lines))
        lines.insert(at, lines[at])
        return "".join(lines).encode()
    if kind == "truncate":
        return text[: generator.randrange(len(text))].encode()
    if kind == "bad-bytes":
        data = bytearray(text.encode())
        for _ in range(generator.randint(1, 4)):
            data.insert(generator.randrange(len(data)), generator.choice([0xFF, 0xC3, 0x00, 0x80]))
        return bytes(data)
    if kind == "alias-bomb":
        return alias_bomb(generator).encode()
    if kind == "tags":
        return priority_of(generator.choice(TAGGED))
    if kind == "deep-text":
        depth = generator.choice([100, 1_000, 100_000])
        return f"applications: {'[' * depth}{']' * depth}\n".encode()
    return priority_of("9" * 5000)


def dump(generator: random.Random, document: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(document)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(
        document, Dumper=dumper, default_flow_style=generator.choice([None, True, False])
    )


def aux_files(generator: random.Random, document: dict[str, Any]) -> dict[str, bytes]:
    """Allure categories and CODEOWNERS, hostile or not, named in the workflow's triage block
    (a CODEOWNERS at the root is read even when it is not named)."""
    files = {}
    if generator.random() < 0.3:
        regex = HOSTILE[generator.choice(["bad-regex", "slow-regex", "nul", "deep"])](generator)
        status = generator.choice(["failed", ["failed"], {"a": 1}, None, 3, "broke"])
        category = {"name": "c", "messageRegex": regex, "matchedStatuses": [status]}
        files["categories.json"] = json.dumps([category]).encode()
        document.setdefault("triage", {})["allure_categories"] = "categories.json"
    if generator.random() < 0.3:
        line = generator.choice(
            ["a*" * 40 + "b @x", "**/x/** @y", "/docs/ @z", "!neg @n", "* @all", "src/[ab] @r"]
        )
        data = f"{line}\n".encode()
        if generator.random() < 0.3:
            data += b"\xff\xfe broken\n"
        files["CODEOWNERS"] = data
        if generator.random() < 0.5:
            document.setdefault("triage", {})["codeowners"] = "CODEOWNERS"
    return files


Input = tuple[str, bytes, dict[str, bytes], list[str]]
"""A workflow file's name and content, the files beside it, the classes of problem it holds."""


def inputs(count: int = FILES) -> list[Input]:
    """The first ``count`` inputs."""
    generator = random.Random(SEED)
    made = []
    for _ in range(count):
        document = good(generator)
        beside = aux_files(generator, document)
        classes = ["allure" if name.endswith(".json") else "codeowners" for name in beside]
        for _ in range(generator.choice([0, 0, 1, 1, 1, 1, 2, 3])):  # 0: a good file
            kind = generator.choice(list(HOSTILE))
            where = generator.choice(paths_in(document)[1:])
            put(document, where, HOSTILE[kind](generator))
            classes.append(kind)
        if generator.random() < 0.15:
            place = generator.choice([p for p in paths_in(document) if p])
            parent: Any = document
            for step in place[:-1]:
                parent = parent[step]
            if isinstance(parent, dict):
                parent[generator.choice([1, None, True, 2.5])] = "x"
                parent["zz-unknown"] = "y"
                classes.append("non-string-key")
        as_json = generator.random() < 0.3
        try:
            text = dump(generator, document, as_json)
        except UnicodeEncodeError:  # libyaml writes no lone surrogate: JSON is YAML too
            text = json.dumps(document)
        data = text.encode("utf-8", "surrogatepass")
        if generator.random() < 0.25:
            kind = generator.choice(TEXT_MUTATIONS)
            data = mutated_text(generator, text.encode("utf-8", "replace").decode(), kind)
            classes.append(kind)
        made.append(("orch.json" if as_json else "orch.yaml", data, beside, classes))
    return made


HOSTILE_FAILURE = Failure(
    TestResult(
        "app-0",
        "tests/" + "a" * 300 + ".py::test_x",
        Outcome.FAILED,
        message="a" * 60 + "!",
        longrepr=("a" * 60 + "!\n") * 50,
        file="a" * 3000,
    )
)


def test_twelve_hundred_generated_workflows_never_crash_or_hang(tmp_path: Path) -> None:
    registry = load_registry()
    (tmp_path / "apps" / "pay").mkdir(parents=True)
    generated = inputs()
    seen: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    slowest = 0.0
    for name, data, beside, classes in generated:
        for stale in ("orch.yaml", "orch.json", "categories.json", "CODEOWNERS"):
            (tmp_path / stale).unlink(missing_ok=True)
        for other, content in beside.items():
            (tmp_path / other).write_bytes(content)
        path = tmp_path / name
        path.write_bytes(data)
        seen.update(classes)
        started = time.monotonic()
        try:
            workflow = load_workflow(path, registry)
        except ConfigError as error:
            lines = str(error).splitlines()
            assert 1 <= len(lines) <= 21, (classes, lines[:3])
            for line in lines:
                assert len(line) <= 600, (classes, line[:200])
                assert line.startswith(("orch.", "categories.json", "CODEOWNERS", str(tmp_path))), (
                    classes,
                    line[:200],
                )
            outcomes["error"] += 1
        else:
            categorise(HOSTILE_FAILURE, workflow.triage.rules)
            owners_of(HOSTILE_FAILURE.result.file, workflow.triage.routing.owners)
            outcomes["loaded"] += 1
        elapsed = time.monotonic() - started
        slowest = max(slowest, elapsed)
        assert elapsed < BUDGET, f"{elapsed:.2f}s for {classes}"
    assert len(generated) >= 1_000
    assert set(seen) >= set(HOSTILE) | set(TEXT_MUTATIONS) | {"allure", "codeowners"}
    assert min(seen.values()) >= 10, seen  # every class is exercised, not just listed
    assert outcomes["loaded"] >= 50 and outcomes["error"] >= 500, outcomes
    print(f"{len(generated):,} files, {outcomes}, slowest {slowest:.3f}s")


def test_the_generator_is_deterministic() -> None:
    assert inputs(100) == inputs(100)
