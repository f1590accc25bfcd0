"""Cross-application flows: what orch's coordination costs a step, against a shell script.

"overhead": 20 applications and 10 flows (``--flows``) of 20 steps each, 200 steps, every flow a
DAG (in each four steps, two in parallel after the one before them, then one joining both), every
step a ``command`` runner step: one ``/bin/sh -c`` that sources the step's test file, a line of
sh writing a JUnit XML file with one passing testcase. A shell script runs the same command lines
in a topological order: one after another (what a user writes), and ``xargs -P W`` running W
flows at a time (the same parallelism as orch's W workers). orch runs with one worker and with
W (default: the machine's cores). orch also runs each command application once whole (it cannot
tell its own tests from its flows' steps): ``own.sh``, one more passing testcase each. Overhead
per step: (orch's wall time - the steps' own process seconds from the JSON report's ``shards``)
/ steps, target <= 20 ms; also (orch's wall - the matching shell's) / steps, orch's own CPU time
per step and where the wall time went, from the report's step timelines.

"seed": the issue's scenario, a 10-step flow across 5 pytest applications that share one
environment of three ``simulator`` services orch provisions (auth, shop, bank), handing on a
token, ids and a total through return values, published outputs and a header. Against the same
10 pytest processes run one after another by a shell script that starts the same simulators
itself and hands the values on with ``jq``. Prints the wall times, the ratio orch/shell and
orch's share of its wall time: (wall - the steps' process seconds) / wall, the steps' seconds
summed (the brief's figure) and along the flow's longest chain (two pairs of steps overlap).

One unmeasured round first (bytecode, orch's discovery cache and history), then ``--repeats``
rounds, the order rotating. Every run must pass every step (orch: exit 0, every flow passed,
every step passed at its first attempt; shell: exit 0 and every step's result), else
``BENCHMARK INVALID`` and exit 2. Exit 1 when the per-step target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import attrs
from measure import Measurement, NotTheSameWork, median, run_measured

from orch.core import load_registry, load_workflow

APPS, FLOWS, STEPS = 20, 10, 20
STEP_TARGET_MS = 20.0
"""orch's coordination may cost each step at most this many milliseconds."""

RUN_LINE = 'J={junit}; f={test_path}; . "${f:-./own.sh}"'
"""The command runner's line: the step's test file (a line of sh) sourced by orch's ``sh -c``,
writing its JUnit XML to ``$J``; ``own.sh`` when orch runs the application whole."""

JUNIT = (
    'printf \'<testsuite name="{app}" tests="1"><testcase classname="{app}" '
    'name="{name}"/></testsuite>\' > "$J"\n'
)


@dataclass
class Tool:
    """One way of running a case: its command, and how a run of it is checked and read."""

    name: str
    argv: list[str]
    orch: bool
    workers: int = 1
    before: Callable[[], None] = lambda: None
    check: Callable[[Measurement, Path | None], dict] = lambda measured, report: {}


@dataclass
class Runs:
    """Every measured run of every tool of one case."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    figures: dict[str, list[dict]] = field(default_factory=dict)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    work = Path(tempfile.mkdtemp(prefix="orch-bench-flows-"))
    print(f"orch from {Path(load_workflow.__code__.co_filename).parents[5]}, {os.cpu_count()} cpus")
    codes = []
    try:
        if args.case in ("overhead", "both"):
            codes.append(overhead_case(work / "overhead", args))
        if args.case in ("seed", "both"):
            codes.append(seed_case(work / "seed", args))
    except NotTheSameWork as problem:
        print(f"BENCHMARK INVALID: {problem}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return max(codes)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per tool")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="orch's workers (default: cores)"
    )
    parser.add_argument("--case", choices=("overhead", "seed", "both"), default="both")
    parser.add_argument(
        "--flows", type=int, default=FLOWS, help=f"flows of {STEPS} steps (default {FLOWS})"
    )
    parser.add_argument("--orch", default=str(Path(sys.executable).parent / "orch"))
    parser.add_argument("--json", help="write every run and the medians to this file")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    return parser.parse_args(argv)


# --- running and checking -------------------------------------------------------------------


def measure_tools(name: str, tools: list[Tool], root: Path, repeats: int) -> Runs:
    """One unmeasured round, then ``repeats`` rounds in rotating order; each run checked."""
    runs = Runs()
    print(f"{name}: warm-up (unmeasured)", flush=True)
    for repeat in range(-1, repeats):
        shift = max(repeat, 0) % len(tools)
        for tool in tools[shift:] + tools[:shift]:
            label = f"{_slug(name)}-{_slug(tool.name)}-{repeat + 1}"
            tool.before()
            report = root / "reports" / f"{label}.json" if tool.orch else None
            argv = [*tool.argv, "--json", str(report)] if report else tool.argv
            # bytecode is written (the warm-up's) and reused, as on a developer's machine
            unset = ("ORCH_HOME", "PYTHONDONTWRITEBYTECODE")
            env = {k: v for k, v in os.environ.items() if k not in unset}
            if tool.orch:
                env["ORCH_HOME"] = str(root / "homes" / _slug(tool.name))
            started = time.time()
            measured = run_measured(argv, root / "project", env, root / "out", label)
            figures = {"started": started, "cpu": measured.cpu_seconds}
            figures.update(tool.check(measured, report))
            if repeat < 0:
                continue
            runs.seconds.setdefault(tool.name, []).append(round(measured.seconds, 4))
            runs.figures.setdefault(tool.name, []).append(figures)
            print(
                f"  repeat {repeat + 1}/{repeats}  {tool.name:<18} {measured.seconds:7.2f} s",
                flush=True,
            )
    return runs


def _fail(tool: str, measured: Measurement, why: str) -> NotTheSameWork:
    return NotTheSameWork(
        f"{tool}: {why}; exit code {measured.returncode}\ncommand: {shlex.join(measured.argv)}\n"
        f"{measured.tail()}"
    )


def read_orch_report(
    tool: str, measured: Measurement, report: Path | None, steps: int, own_tests: int
) -> dict:
    """orch's JSON report, checked: exit 0, every flow passed, each step passed once and
    nothing else than ``own_tests`` of the applications' own runs."""
    if measured.returncode != 0 or report is None or not report.exists():
        raise _fail(tool, measured, "orch did not finish with every step passed")
    data = json.loads(report.read_text(encoding="utf-8"))
    counts = {key: value for key, value in data["summary"].items() if value}
    records = [step for flow in data["flows"] for step in flow["steps"]]
    broken = [f["name"] for f in data["flows"] if f["outcome"] != "passed"]
    once = all(s["outcome"] == "passed" and s["attempts"] == 1 for s in records)
    if counts != {"passed": steps + own_tests} or broken or len(records) != steps or not once:
        raise _fail(
            tool,
            measured,
            f"expected {steps} steps passed (+{own_tests} own tests), got summary {counts}, "
            f"{len(records)} step records, flows not passed {broken}",
        )
    return data


def step_figures(data: dict, started: float, wall: float, cpu: float, steps: int) -> dict:
    """What one orch run's report says of its steps: their process seconds, where the wall time
    went (before the first step, the flows' span, after the last), orch's own CPU time (its
    process tree's less the shards'), how long after a step settled the next step's process
    started, and the part of a step's recorded time that is not its process."""
    shards = data["shards"]
    flow_shards = {s["node"]: s for s in shards if s["node"].startswith("flow:")}
    step_seconds = sum(s["seconds"] for s in flow_shards.values())
    other = [s for s in shards if not s["node"].startswith("flow:")]
    records = [(f"flow:{f['name']}/{s['step']}", s) for f in data["flows"] for s in f["steps"]]
    ends = sorted(r["ended_at"] for _, r in records)
    reaction, settle = [], []
    for node, record in records:
        settle.append(record["ended_at"] - record["started_at"] - flow_shards[node]["seconds"])
        before = [end for end in ends if end <= record["started_at"]]
        if before:
            reaction.append(record["started_at"] - before[-1])
    first = min(r["started_at"] for _, r in records)
    last = max(r["ended_at"] for _, r in records)
    shard_cpu = sum(s["cpu_seconds"] for s in shards)
    return {
        "wall": wall,
        "step_seconds": step_seconds,
        "own_runs": len(other),
        "own_seconds": sum(s["seconds"] for s in other),
        "per_step_ms": (wall - step_seconds) / steps * 1000,
        "orch_cpu_ms": (cpu - shard_cpu) / steps * 1000,
        "to_first_step": first - started,
        "span": last - first,
        "after_last_step": started + wall - last,
        "reaction_ms": median(reaction) * 1000,
        "settle_ms": median(settle) * 1000,
    }


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def _git(project: Path) -> None:
    """A git repository with everything committed, as a user's project is."""
    for argv in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=bench", "-c", "user.email=b@x", "commit", "-qm", "bench"],
    ):
        subprocess.run(argv, cwd=project, check=True, capture_output=True)


# --- overhead: 200 trivial steps ------------------------------------------------------------


def flow_dag(step: int) -> list[str]:
    """The steps step ``step`` of a flow depends on: in each four, two in parallel after the
    one before them, then one that joins both (``s01 | s02 -> s03``)."""
    if step == 0:
        return []
    if step % 4 == 2:
        return [f"s{step - 2:02d}"]
    if step % 4 == 3:
        return [f"s{step - 2:02d}", f"s{step - 1:02d}"]
    return [f"s{step - 1:02d}"]


def overhead_project(root: Path, workers: int, flows: int) -> list[Path]:
    """The 20 applications and 10 flows, and the shell scripts: one per flow (its steps in
    order), ``all.sh`` (the flows one after another) and ``parallel.sh`` (W flows at a time).
    Returns the folders the step results go to, for the scripts' check."""
    project = root / "project"
    workflow = ["applications:"]
    for a in range(APPS):
        app = project / f"app{a:02d}"
        (app / "tests").mkdir(parents=True)
        (app / "own.sh").write_text(JUNIT.format(app=f"app{a:02d}", name="own"))
        for s in range(STEPS):
            (app / "tests" / f"s{s:02d}.sh").write_text(
                JUNIT.format(app=f"app{a:02d}", name=f"s{s:02d}")
            )
        runner = f"{{command: {{run: {json.dumps(RUN_LINE)}}}}}"
        workflow.append(f"  app{a:02d}:\n    path: app{a:02d}\n    runner: {runner}")
    workflow.append("cross_app_tests:")
    scripts = project / "shell"
    results = project / "shell-results"
    scripts.mkdir()
    for f in range(flows):
        workflow.append(f"  flow{f:02d}:\n    steps:")
        lines = ["set -e"]
        for s in range(STEPS):
            app = f"app{(s + f) % APPS:02d}"
            depends = flow_dag(s)
            step = f"app: {app}, test: tests/s{s:02d}.sh, depends_on: {json.dumps(depends)}"
            workflow.append(f"      - {{{step}}}")
            line = RUN_LINE.replace("{junit}", shlex.quote(str(results / f"f{f:02d}-s{s:02d}.xml")))
            line = line.replace("{test_path}", f"tests/s{s:02d}.sh")
            lines.append(f"cd {shlex.quote(str(project / app))} && /bin/sh -c {shlex.quote(line)}")
        (scripts / f"flow{f:02d}.sh").write_text("\n".join(lines) + "\n")
    each = [shlex.quote(str(scripts / f"flow{f:02d}.sh")) for f in range(flows)]
    (scripts / "all.sh").write_text("set -e\n" + "".join(f"sh {p}\n" for p in each))
    (scripts / "parallel.sh").write_text(
        f"printf '%s\\n' {' '.join(each)} | xargs -P {workers} -n 1 sh\n"
    )
    (project / "orch.yaml").write_text("\n".join(workflow) + "\n")
    (project / ".gitignore").write_text("shell-results/\n")
    _git(project)
    return [results]


def overhead_case(root: Path, args: argparse.Namespace) -> int:
    steps = args.flows * STEPS
    results = overhead_project(root, args.workers, args.flows)[0]
    scripts = root / "project" / "shell"

    def clear() -> None:
        shutil.rmtree(results, ignore_errors=True)
        results.mkdir()

    def shell_check(measured: Measurement, report: Path | None) -> dict:
        written = [p for p in results.glob("*.xml") if 'name="s' in p.read_text()]
        if measured.returncode != 0 or len(written) != steps:
            raise _fail("shell", measured, f"{len(written)} of {steps} step results written")
        return {"wall": measured.seconds}

    def orch_check(name: str) -> Callable[[Measurement, Path | None], dict]:
        def check(measured: Measurement, report: Path | None) -> dict:
            data = read_orch_report(name, measured, report, steps, APPS)
            return {"report": data}

        return check

    w = args.workers
    orch = [args.orch, "run", str(root / "project")]
    tools = [
        Tool("orch -n 1", [*orch, "-n", "1"], True, 1, check=orch_check("orch -n 1")),
        Tool(f"orch -n {w}", [*orch, "-n", str(w)], True, w, check=orch_check(f"orch -n {w}")),
        Tool("shell sequential", ["sh", str(scripts / "all.sh")], False, 1, clear, shell_check),
        Tool(f"shell -P {w}", ["sh", str(scripts / "parallel.sh")], False, w, clear, shell_check),
    ]
    runs = measure_tools("overhead", tools, root, args.repeats)
    for tool in tools:
        if tool.orch:
            runs.figures[tool.name] = [
                step_figures(f.pop("report"), f["started"], wall, f["cpu"], steps)
                for f, wall in zip(runs.figures[tool.name], runs.seconds[tool.name], strict=True)
            ]
    return overhead_report(tools, runs, steps, args)


def overhead_report(tools: list[Tool], runs: Runs, steps: int, args: argparse.Namespace) -> int:
    print(
        f"\n{APPS} applications, {args.flows} flows of {STEPS} steps ({steps} command steps, one "
        f"`sh -c` each), medians of {args.repeats}"
    )
    walls = {t.name: median(runs.seconds[t.name]) for t in tools}
    shell_for = {1: "shell sequential", args.workers: f"shell -P {args.workers}"}
    print(f"{'tool':<18} {'wall s':>8} {'x shell':>8}  (shell of the same parallelism)")
    for tool in tools:
        shell = walls[shell_for[tool.workers]]
        print(f"{tool.name:<18} {walls[tool.name]:8.2f} {walls[tool.name] / shell:8.2f}")
    figures: dict[str, dict] = {"walls": walls, "orch": {}}
    met = True
    for tool in (t for t in tools if t.orch):
        runs_of = runs.figures[tool.name]
        m = {key: median([r[key] for r in runs_of]) for key in runs_of[0]}
        shell = walls[shell_for[tool.workers]]
        m["vs_shell_ms"] = (walls[tool.name] - shell) / steps * 1000
        m["ratio"] = walls[tool.name] / shell
        figures["orch"][tool.name] = m
        ok = m["per_step_ms"] <= STEP_TARGET_MS
        met &= ok
        print(
            f"\n{tool.name}: steps' own process time {m['step_seconds']:.2f} s "
            f"(+ {m['own_runs']:.0f} whole-application runs {m['own_seconds']:.2f} s)\n"
            f"  overhead per step (wall - steps' process time) / {steps}: "
            f"{m['per_step_ms']:.1f} ms  target <= {STEP_TARGET_MS:.0f} ms: "
            f"{'PASS' if ok else 'FAIL'}\n"
            f"  (orch wall - {shell_for[tool.workers]} wall) / {steps}: "
            f"{m['vs_shell_ms']:.1f} ms; ratio orch/shell {m['ratio']:.2f}\n"
            f"  where the wall time went: {m['to_first_step']:.2f} s to the first step, "
            f"{m['span']:.2f} s first step to last, {m['after_last_step']:.2f} s after it\n"
            f"  orch's own CPU time (its process tree's less the shards') per step: "
            f"{m['orch_cpu_ms']:.1f} ms\n"
            f"  medians: a step's process started {m['reaction_ms']:.1f} ms after the step "
            f"before it settled; {m['settle_ms']:.1f} ms of a step's record (started_at to "
            f"ended_at) is not its process"
        )
    if args.json:
        _write_json(args.json, "overhead", {"runs": runs.seconds, "figures": figures})
    return 0 if met else 1


# --- seed: 10 pytest steps, 5 applications, 3 simulators ------------------------------------

SERVICES = {
    "auth": [
        {
            "request": {"method": "POST", "path": "/login", "json": {"user": "ada"}},
            "response": {
                "status": 200,
                "json": {"token": "tok-{{request.json.user}}", "user": "{{request.json.user}}"},
            },
        },
        {
            "request": {
                "method": "GET",
                "path": "/me",
                "headers": {"Authorization": "Bearer tok-*"},
            },
            "response": {"status": 200, "json": {"id": "u-42", "name": "Ada"}},
        },
    ],
    "shop": [
        {
            "request": {"method": "GET", "path": "/products", "query": {"q": "*"}},
            "response": {"json": {"items": [{"id": "p-{{request.query.q}}", "price": 12.5}]}},
        },
        {
            "request": {
                "method": "POST",
                "path": "/carts",
                "headers": {"Authorization": "Bearer *"},
            },
            "response": {"status": 201, "json": {"id": "cart-{{request.json.user}}"}},
        },
        {
            "request": {"method": "POST", "path": "/carts/{cart}/items"},
            "response": {
                "status": 201,
                "json": {
                    "cart": "{{request.path.cart}}",
                    "product": "{{request.json.product}}",
                    "quantity": "{{request.json.quantity}}",
                },
            },
        },
        {
            "request": {"method": "POST", "path": "/orders"},
            "response": {"status": 201, "json": {"id": "ord-{{request.json.cart}}", "total": 25.0}},
        },
        {
            "request": {"method": "GET", "path": "/orders/{order}"},
            "response": {"json": {"id": "{{request.path.order}}", "status": "paid"}},
        },
        {
            "request": {"method": "POST", "path": "/notifications"},
            "response": {
                "status": 202,
                "json": {"queued": True, "order": "{{request.json.order}}"},
            },
        },
    ],
    "bank": [
        {
            "request": {
                "method": "POST",
                "path": "/payments",
                "headers": {"Authorization": "Bearer tok-*"},
            },
            "response": {
                "status": 201,
                "json": {
                    "id": "pay-{{request.json.order}}",
                    "status": "captured",
                    "amount": "{{request.json.amount}}",
                },
            },
        },
    ],
}

CONFTEST = '''
"""The shop's services as the tests call them, and the values the flow hands a step: orch
delivers them into these fixtures; the shell script sets them as variables (TOKEN, ...)."""

import json
import os
import urllib.request

import pytest


@pytest.fixture
def api():
    def call(service, method, path, body=None, headers=None):
        url = os.environ[f"ORCH_{service.upper()}_URL"] + path
        data = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        request = urllib.request.Request(url, data=data, method=method, headers=sent)
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")

    return call


@pytest.fixture
def publish():
    """Adds values to the step's outputs file ($ORCH_OUTPUTS, a JSON object)."""

    def add(**values):
        path = os.environ["ORCH_OUTPUTS"]
        try:
            with open(path) as held:
                values = {**json.load(held), **values}
        except (FileNotFoundError, ValueError):
            pass
        with open(path, "w") as out:
            json.dump(values, out)

    return add


def _given(name):
    return os.environ.get(name.upper())


@pytest.fixture
def headers():
    given = _given("authorization")
    return {"Accept": "application/json", **({"Authorization": given} if given else {})}


for _name in ("token", "user_id", "product_id", "cart_id", "order_id", "total", "payment_id"):
    globals()[_name] = pytest.fixture(name=_name)(lambda _n=_name: _given(_n))
'''

TESTS = {
    "users/tests/test_auth.py": """
        def test_login(api):
            status, body = api("auth", "POST", "/login", {"user": "ada"})
            assert status == 200 and body["token"] == "tok-ada"
            return {"token": body["token"], "authorization": "Bearer " + body["token"]}


        def test_profile(api, token, publish):
            status, me = api("auth", "GET", "/me", headers={"Authorization": f"Bearer {token}"})
            assert status == 200 and me["name"] == "Ada"
            publish(user_id=me["id"])
    """,
    "catalog/tests/test_catalog.py": """
        def test_search(api, publish):
            status, found = api("shop", "GET", "/products?q=book")
            assert status == 200 and found["items"][0]["price"] == 12.5
            publish(product_id=found["items"][0]["id"])
    """,
    "orders/tests/test_cart.py": """
        def test_create_cart(api, token, user_id, publish):
            assert user_id == "u-42"
            auth = {"Authorization": f"Bearer {token}"}
            status, cart = api("shop", "POST", "/carts", {"user": user_id}, auth)
            assert status == 201
            publish(cart_id=cart["id"])


        def test_add_item(api, cart_id, product_id):
            body = {"product": product_id, "quantity": 2}
            status, item = api("shop", "POST", f"/carts/{cart_id}/items", body)
            assert status == 201 and item == {"cart": cart_id, "product": "p-book", "quantity": 2}
    """,
    "orders/tests/test_order.py": """
        def test_place_order(api, token, cart_id):
            status, order = api("shop", "POST", "/orders", {"cart": cart_id})
            assert status == 201 and order["id"] == "ord-cart-u-42"
            return {"order_id": order["id"], "total": order["total"]}


        def test_order_is_paid(api, order_id, payment_id):
            assert payment_id == "pay-" + order_id
            status, order = api("shop", "GET", f"/orders/{order_id}")
            assert status == 200 and order["status"] == "paid"
    """,
    "payments/tests/test_pay.py": """
        def test_pay(api, headers, order_id, total):
            body = {"order": order_id, "amount": float(total)}
            status, payment = api("bank", "POST", "/payments", body, headers)
            assert status == 201 and payment["status"] == "captured"
            assert payment["amount"] == 25.0
            return {"payment_id": payment["id"]}
    """,
    "notifications/tests/test_notify.py": """
        import json, os, urllib.request


        def test_receipt(api, order_id, payment_id):
            body = {"order": order_id, "payment": payment_id}
            status, sent = api("shop", "POST", "/notifications", body)
            assert status == 202 and sent["order"] == order_id


        def recorded(service):
            url = os.environ[f"ORCH_{service.upper()}_URL"] + "/__orch/requests"
            with urllib.request.urlopen(url, timeout=10) as response:
                return [(r["method"], r["path"], r["status"]) for r in json.loads(response.read())]


        def test_audit():
            assert recorded("auth") == [("POST", "/login", 200), ("GET", "/me", 200)]
            assert recorded("bank") == [("POST", "/payments", 201)]
            assert sorted(recorded("shop")) == [
                ("GET", "/orders/ord-cart-u-42", 200),
                ("GET", "/products", 200),
                ("POST", "/carts", 201),
                ("POST", "/carts/cart-u-42/items", 201),
                ("POST", "/notifications", 202),
                ("POST", "/orders", 201),
            ]
    """,
}

SEED_STEPS = [
    # (app, test, depends_on)
    ("users", "tests/test_auth.py::test_login", []),
    ("catalog", "tests/test_catalog.py::test_search", []),
    ("users", "tests/test_auth.py::test_profile", ["test_login"]),
    ("orders", "tests/test_cart.py::test_create_cart", ["test_profile"]),
    ("orders", "tests/test_cart.py::test_add_item", ["test_create_cart", "test_search"]),
    ("orders", "tests/test_order.py::test_place_order", ["test_add_item"]),
    ("payments", "tests/test_pay.py::test_pay", ["test_place_order"]),
    ("orders", "tests/test_order.py::test_order_is_paid", ["test_pay"]),
    ("notifications", "tests/test_notify.py::test_receipt", ["test_pay"]),
    ("notifications", "tests/test_notify.py::test_audit", ["test_order_is_paid", "test_receipt"]),
]

SEED_VALUES = {
    # name: (from, to); the shell script reads the same values with jq
    "profile_token": ("users.test_login.return.token", "users.test_profile.token"),
    "cart_token": ("users.test_login.return.token", "orders.test_create_cart.token"),
    "user_id": ("users.test_profile.outputs.user_id", "orders.test_create_cart.user_id"),
    "product_id": ("catalog.test_search.outputs.product_id", "orders.test_add_item.product_id"),
    "cart_id": ("orders.test_create_cart.outputs.cart_id", "orders.test_add_item.cart_id"),
    "order_cart": ("orders.test_create_cart.outputs.cart_id", "orders.test_place_order.cart_id"),
    "order_token": ("users.test_login.return.token", "orders.test_place_order.token"),
    "order_id": ("orders.test_place_order.return.order_id", "payments.test_pay.order_id"),
    "total": ("orders.test_place_order.return.total", "payments.test_pay.total"),
    "pay_auth": (
        "users.test_login.return.authorization",
        "payments.test_pay.headers.Authorization",
    ),
    "paid_order": ("orders.test_place_order.return.order_id", "orders.test_order_is_paid.order_id"),
    "payment_id": ("payments.test_pay.return.payment_id", "orders.test_order_is_paid.payment_id"),
    "receipt_order": (
        "orders.test_place_order.return.order_id",
        "notifications.test_receipt.order_id",
    ),
    "receipt_payment": (
        "payments.test_pay.return.payment_id",
        "notifications.test_receipt.payment_id",
    ),
}

GLUE = '''
"""What the shell script needs to read a test's return value: it writes it to $RETURNED."""

import json
import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    names = pyfuncitem._fixtureinfo.argnames
    value = pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names})
    if value is not None:
        with open(os.environ["RETURNED"], "w") as out:
            json.dump(value, out)
    return True
'''


def seed_project(root: Path) -> Path:
    """The five applications, the workflow (one environment, ``shop``, of three simulators,
    named by every application) and the simulators' routes as orch writes them; the project."""
    project = root / "project"
    apps = sorted({app for app, _, _ in SEED_STEPS})
    for path, text in TESTS.items():
        target = project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip())
    for app in apps:
        (project / app / "tests" / "conftest.py").write_text(CONFTEST.lstrip())
    steps = [{"app": app, "test": test, "depends_on": depends} for app, test, depends in SEED_STEPS]
    workflow = {
        "applications": {
            app: {"path": app, "runner": "pytest", "environment": "shop"} for app in apps
        },
        "environments": {
            "shop": {
                "services": {
                    name: {"type": "simulator", "routes": routes}
                    for name, routes in SERVICES.items()
                }
            }
        },
        "cross_app_tests": {
            "checkout": {
                "steps": steps,
                "data_flow": {n: {"from": f, "to": t} for n, (f, t) in SEED_VALUES.items()},
            }
        },
        "execution": {"timeout": 60},
    }
    (project / "orch.json").write_text(json.dumps(workflow, indent=2))
    (project / ".gitignore").write_text("shell/\n.pytest_cache/\n")
    _git(project)
    # the routes as the simulator reads them, from orch's own reading of the workflow
    loaded = load_workflow(project / "orch.json", load_registry())
    routes = root / "routes"
    routes.mkdir()
    for service in loaded.environment("shop").services:
        (routes / f"{service.name}.json").write_text(
            json.dumps([attrs.asdict(route) for route in service.routes])
        )
    (root / "glue").mkdir()
    (root / "glue" / "shell_glue.py").write_text(GLUE.lstrip())
    return project


def seed_shell_script(root: Path, project: Path) -> str:
    """The script a user writes without orch: start the simulators, wait for them, run the
    steps one after another, each value read with jq from what the step before wrote."""
    ports = {}
    for name in SERVICES:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports[name] = probe.getsockname()[1]
    out = root / "shell"
    py = shlex.quote(sys.executable)
    lines = [
        "set -e",
        f"OUT={shlex.quote(str(out))}",
        'rm -rf "$OUT"; mkdir -p "$OUT"',
        "PIDS=",
        "trap 'kill $PIDS 2>/dev/null' EXIT",
    ]
    for name, port in ports.items():
        routes = shlex.quote(str(root / "routes" / f"{name}.json"))
        lines += [
            f'{py} -m orch.adapters.local.simulator {routes} {port} > "$OUT/{name}.log" 2>&1 &',
            'PIDS="$PIDS $!"',
            f"export ORCH_{name.upper()}_URL=http://127.0.0.1:{port}",
        ]
    for name in ports:
        lines.append(
            f'until curl -sf "$ORCH_{name.upper()}_URL/__orch/health" >/dev/null; '
            "do sleep 0.02; done"
        )
    lines += [
        f"export PYTHONPATH={shlex.quote(str(root / 'glue'))}",
        "step() {",
        f'  (cd {shlex.quote(str(project))}/$1 && ORCH_OUTPUTS="$OUT/$3.out.json" '
        f'RETURNED="$OUT/$3.ret.json" {py} -m pytest -q -p no:cacheprovider -p shell_glue "$2")',
        "}",
        "step users tests/test_auth.py::test_login login",
        'export TOKEN=$(jq -r .token "$OUT/login.ret.json")',
        'export AUTHORIZATION=$(jq -r .authorization "$OUT/login.ret.json")',
        "step catalog tests/test_catalog.py::test_search search",
        'export PRODUCT_ID=$(jq -r .product_id "$OUT/search.out.json")',
        "step users tests/test_auth.py::test_profile profile",
        'export USER_ID=$(jq -r .user_id "$OUT/profile.out.json")',
        "step orders tests/test_cart.py::test_create_cart cart",
        'export CART_ID=$(jq -r .cart_id "$OUT/cart.out.json")',
        "step orders tests/test_cart.py::test_add_item item",
        "step orders tests/test_order.py::test_place_order order",
        'export ORDER_ID=$(jq -r .order_id "$OUT/order.ret.json")',
        'export TOTAL=$(jq -r .total "$OUT/order.ret.json")',
        "step payments tests/test_pay.py::test_pay pay",
        'export PAYMENT_ID=$(jq -r .payment_id "$OUT/pay.ret.json")',
        "step orders tests/test_order.py::test_order_is_paid paid",
        "step notifications tests/test_notify.py::test_receipt receipt",
        "step notifications tests/test_notify.py::test_audit audit",
        'touch "$OUT/done"',
    ]
    return "\n".join(lines) + "\n"


def seed_case(root: Path, args: argparse.Namespace) -> int:
    project = seed_project(root)
    script = root / "shell.sh"
    steps = len(SEED_STEPS)

    def new_script() -> None:
        script.write_text(seed_shell_script(root, project))  # new free ports every run

    def shell_check(measured: Measurement, report: Path | None) -> dict:
        if measured.returncode != 0 or not (root / "shell" / "done").exists():
            raise _fail("shell", measured, "the shell script did not pass every step")
        return {}

    def orch_check(measured: Measurement, report: Path | None) -> dict:
        return {"report": read_orch_report("orch", measured, report, steps, 0)}

    tools = [
        Tool("orch", [args.orch, "run", str(project)], True, args.workers, check=orch_check),
        Tool("shell", ["sh", str(script)], False, 1, new_script, shell_check),
    ]
    runs = measure_tools("seed", tools, root, args.repeats)
    orch_runs = []
    for found, wall in zip(runs.figures["orch"], runs.seconds["orch"], strict=True):
        orch_runs.append(seed_figures(found.pop("report"), found["started"], wall))
    return seed_report(runs, orch_runs, args)


def seed_figures(data: dict, started: float, wall: float) -> dict:
    """One orch run of the seed flow: the steps' process seconds, summed and along the flow's
    longest chain (two pairs of steps may run at once), and the timeline."""
    (flow,) = data["flows"]
    seconds = {
        s["node"].split("/", 1)[1]: s["seconds"]
        for s in data["shards"]
        if s["node"].startswith("flow:")
    }
    depends = {test.split("::")[1]: deps for _, test, deps in SEED_STEPS}
    chain: dict[str, float] = {}
    for step in depends:  # SEED_STEPS is in a topological order
        chain[step] = seconds[step] + max((chain[d] for d in depends[step]), default=0.0)
    summed = sum(seconds.values())
    longest = max(chain.values())
    first = min(s["started_at"] for s in flow["steps"])
    last = max(s["ended_at"] for s in flow["steps"])
    timeline = [
        (s["step"], s["started_at"] - started, s["ended_at"] - s["started_at"], seconds[s["step"]])
        for s in flow["steps"]
    ]
    return {
        "wall": wall,
        "step_seconds": summed,
        "chain_seconds": longest,
        "share": (wall - summed) / wall,
        "chain_share": (wall - longest) / wall,
        "to_first_step": first - started,
        "span": last - first,
        "after_last_step": started + wall - last,
        "timeline": timeline,
    }


def seed_report(runs: Runs, orch_runs: list[dict], args: argparse.Namespace) -> int:
    orch, shell = median(runs.seconds["orch"]), median(runs.seconds["shell"])
    keys = [k for k in orch_runs[0] if k != "timeline"]
    m = {key: median([r[key] for r in orch_runs]) for key in keys}
    print(
        f"\nseed flow: {len(SEED_STEPS)} pytest steps over 5 applications, one environment of "
        f"{len(SERVICES)} simulators, {len(SEED_VALUES)} values handed on; medians of "
        f"{args.repeats}\n"
        f"{'tool':<18} {'wall s':>8} {'x shell':>8}\n"
        f"{'orch':<18} {orch:8.2f} {orch / shell:8.2f}\n"
        f"{'shell sequential':<18} {shell:8.2f} {1:8.2f}\n"
        f"orch: steps' process time {m['step_seconds']:.2f} s summed, "
        f"{m['chain_seconds']:.2f} s along the longest chain\n"
        f"  orch's share of its wall time (wall - steps' process time) / wall: {m['share']:.0%}"
        f" ({orch - m['step_seconds']:.2f} s); against the longest chain: "
        f"{m['chain_share']:.0%}\n"
        f"  {m['to_first_step']:.2f} s to the first step (start-up, discovery, the "
        f"environment up), {m['span']:.2f} s first step to last, {m['after_last_step']:.2f} s "
        f"after it (the environment down, reports)"
    )
    middle = sorted(orch_runs, key=lambda r: r["wall"])[len(orch_runs) // 2]
    print("  timeline of the median run (start after orch started, recorded, process):")
    for step, start, took, process in middle["timeline"]:
        print(f"    {step:<20} {start:6.2f} s  {took:5.2f} s  {process:5.2f} s")
    if args.json:
        _write_json(args.json, "seed", {"runs": runs.seconds, "orch": orch_runs, "medians": m})
    return 0


def _write_json(path: str, case: str, figures: dict) -> None:
    target = Path(path)
    held = json.loads(target.read_text()) if target.exists() else {}
    held[case] = figures
    target.write_text(json.dumps(held, indent=2, default=str) + "\n")


if __name__ == "__main__":
    sys.exit(main())
