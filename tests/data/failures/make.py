"""Regenerate failures.jsonl: write small failing test projects, run them for real, keep the output.

Run from the repository root: ``uv run python tests/data/failures/make.py``. Every record is the
output a real runner (pytest, node --test, JUnit 4) or a real dying process produced here.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from importlib.util import find_spec
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
NODE = str(ROOT / ".venv" / "bin" / "node")
JARS = ["junit4", "hamcrest-core", "ant", "ant-junit", "ant-junit4", "ant-launcher"]
JAVA_CP = ":".join(f"/usr/share/java/{name}.jar" for name in JARS)
LIMIT = 8192
REPS = 5  # how many variants of each pytest kind
SEED = 4

# ---------------------------------------------------------------- pytest sources

CLOSED_PORT = """
import socket

def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
"""

MODULES = ["redis", "boto3", "psycopg2", "numpy", "pandas", "grpc", "kafka", "lxml", "yaml_extra"]


def py_cases(i: int, r: random.Random) -> list[tuple[str, str, str]]:
    """(category, cluster, source of one test file) for variant ``i`` of every pytest kind."""
    a, b, n = r.randint(2, 90), r.randint(2, 90), r.randint(100, 999)
    word = r.choice(["admin", "editor", "viewer", "owner", "billing"])
    mod = MODULES[i % len(MODULES)]
    host = r.choice(["db", "cache", "api", "auth", "queue"]) + f"-{n}"
    secs = r.choice([0.1, 0.15, 0.2, 0.25])
    uid = f"{n}{i}"
    cases = [
        (
            "assertion",
            "assert-eq-total",
            f"def test_order_total():\n    items = [{a}, {b}, {n}]\n"
            f"    assert sum(items) == {a + b + n + 1}\n",
        ),
        (
            "assertion",
            "assert-in-roles",
            f"def test_user_roles():\n    roles = {sorted({'reader', word})!r}\n"
            f"    assert 'super-{word}' in roles\n",
        ),
        (
            "assertion",
            "assert-status-message",
            f"def test_api_status():\n    status = {r.choice([404, 500, 502, 503])}\n"
            f"    assert status == 200, f'unexpected status {{status}} from /api/v{i}/items/{n}'\n",
        ),
        (
            "assertion",
            "assert-approx",
            f"import pytest\n\ndef test_ratio():\n"
            f"    assert {a} / {b} == pytest.approx({round(a / b + 0.01 * (i + 1), 4)})\n",
        ),
        (
            "assertion",
            "assert-dict-diff",
            f"def test_config():\n    got = {{'host': 'localhost', 'port': {n}, 'debug': False}}\n"
            f"    assert got == {{'host': 'localhost', 'port': {n + a}, 'debug': {i % 2 == 0}}}\n",
        ),
        (
            "assertion",
            "assert-did-not-raise",
            f"import pytest\n\ndef test_parse_rejects():\n"
            f"    with pytest.raises(ValueError):\n        int('{n}')\n",
        ),
        (
            "connection_refused",
            "conn-refused-socket",
            CLOSED_PORT + "\ndef test_db_connect():\n"
            "    socket.create_connection(('127.0.0.1', closed_port()), timeout=2)\n",
        ),
        (
            "connection_refused",
            "conn-refused-urllib",
            CLOSED_PORT + "import urllib.request\n\ndef test_health():\n"
            f"    url = f'http://127.0.0.1:{{closed_port()}}/health/{n}'\n"
            "    urllib.request.urlopen(url, timeout=2)\n",
        ),
        (
            "connection_refused",
            "conn-refused-http-client",
            CLOSED_PORT + "import http.client\n\ndef test_get_items():\n"
            "    conn = http.client.HTTPConnection('127.0.0.1', closed_port(), timeout=2)\n"
            f"    conn.request('GET', '/items?page={i}')\n",
        ),
        (
            "connection_refused",
            "conn-refused-asyncio",
            CLOSED_PORT + "import asyncio\n\ndef test_stream():\n"
            "    asyncio.run(asyncio.open_connection('127.0.0.1', closed_port()))\n",
        ),
        (
            "dns",
            "dns-getaddrinfo",
            "import socket\n\ndef test_resolve():\n"
            f"    socket.getaddrinfo('{host}.invalid', {n})\n",
        ),
        (
            "dns",
            "dns-urllib",
            f"import urllib.request\n\ndef test_fetch():\n"
            f"    urllib.request.urlopen('http://{host}.invalid/v{i}/status', timeout=2)\n",
        ),
        (
            "timeout",
            "timeout-alarm",
            "import signal\nimport threading\n\n"
            "def _expired(signum, frame):\n"
            f"    raise TimeoutError('test exceeded its {secs}s time limit')\n\n"
            "def test_waits_for_worker():\n"
            "    signal.signal(signal.SIGALRM, _expired)\n"
            f"    signal.setitimer(signal.ITIMER_REAL, {secs})\n"
            "    try:\n        threading.Event().wait(5)\n"
            "    finally:\n        signal.setitimer(signal.ITIMER_REAL, 0)\n",
        ),
        (
            "timeout",
            "timeout-socket-recv",
            "import socket\n\ndef test_reply():\n"
            "    server = socket.socket()\n    server.bind(('127.0.0.1', 0))\n"
            "    server.listen(1)\n"
            "    client = socket.create_connection(server.getsockname())\n"
            f"    client.settimeout({secs})\n    client.recv(1024)\n",
        ),
        (
            "timeout",
            "timeout-subprocess",
            "import subprocess\nimport sys\n\ndef test_tool():\n"
            "    subprocess.run([sys.executable, '-c', 'import time; time.sleep(5)'],"
            f" timeout={secs / 2})\n",
        ),
        (
            "timeout",
            "timeout-asyncio-wait-for",
            "import asyncio\n\ndef test_message_arrives():\n"
            f"    asyncio.run(asyncio.wait_for(asyncio.sleep(5), {secs}))\n",
        ),
        (
            "out_of_memory",
            "oom-bytearray",
            f"def test_load_blob():\n    buf = bytearray(10**15 + {n})\n    assert buf\n",
        ),
        (
            "out_of_memory",
            "oom-list-repeat",
            f"def test_matrix():\n    rows = [0] * (10**15 * {a})\n    assert rows\n",
        ),
        (
            "disk_full",
            "disk-full-file-write",
            f"def test_export():\n    with open('/dev/full', 'w') as f:\n"
            f"        f.write('row,{n}\\n' * {a * 100})\n",
        ),
        (
            "disk_full",
            "disk-full-os-write",
            "import os\n\ndef test_journal():\n    fd = os.open('/dev/full', os.O_WRONLY)\n"
            f"    try:\n        os.write(fd, b'x' * {n})\n    finally:\n        os.close(fd)\n",
        ),
        (
            "permission_denied",
            "perm-read-chmod-000",
            "import os\nfrom pathlib import Path\n\ndef test_read_secret():\n"
            f"    path = Path(__file__).parent / 'secret-{uid}.txt'\n"
            "    path.write_text('token')\n    path.chmod(0)\n"
            "    os.seteuid(65534)  # as root chmod is ignored, so read as nobody\n"
            "    try:\n        path.read_text()\n    finally:\n        os.seteuid(0)\n",
        ),
        (
            "permission_denied",
            "perm-exec-not-executable",
            "import subprocess\nfrom pathlib import Path\n\ndef test_run_hook():\n"
            f"    hook = Path(__file__).parent / 'hook-{uid}.sh'\n"
            "    hook.write_text('#!/bin/sh\\necho hi\\n')\n    hook.chmod(0o644)\n"
            "    subprocess.run([str(hook)], check=True)\n",
        ),
        (
            "permission_denied",
            "perm-write-readonly-dir",
            "import os\nfrom pathlib import Path\n\ndef test_write_report():\n"
            f"    out = Path(__file__).parent / 'reports-{uid}'\n"
            "    out.mkdir()\n    out.chmod(0o555)\n    os.seteuid(65534)\n"
            f"    try:\n        (out / 'report-{n}.html').write_text('<html/>')\n"
            "    finally:\n        os.seteuid(0)\n",
        ),
        (
            "permission_denied",
            "perm-bind-privileged-port",
            "import os\nimport socket\n\ndef test_listen():\n    s = socket.socket()\n"
            "    os.seteuid(65534)\n"
            f"    try:\n        s.bind(('127.0.0.1', {r.randint(1, 1023)}))\n"
            "    finally:\n        os.seteuid(0)\n        s.close()\n",
        ),
        (
            "missing_module",
            "missing-module-in-test",
            f"def test_uses_client():\n    import {mod}\n    assert {mod}\n",
        ),
        (
            "missing_module",
            "missing-module-collection",
            f"import {mod}\n\ndef test_uses_client():\n    assert {mod}\n",
        ),
        (
            "missing_module",
            "missing-name-import",
            f"from json import load_fast_{n}\n\ndef test_load():\n    assert load_fast_{n}\n",
        ),
        (
            "fixture_error",
            "fixture-not-found",
            f"def test_query(db_session_{n}):\n    assert db_session_{n}\n",
        ),
        (
            "fixture_error",
            "fixture-setup-raises",
            "import pytest\n\n@pytest.fixture\ndef server():\n"
            f"    raise RuntimeError('could not start test server on port {8000 + n}')\n\n"
            "def test_ping(server):\n    assert server\n",
        ),
        (
            "fixture_error",
            "fixture-teardown-raises",
            "import pytest\n\n@pytest.fixture\ndef workdir(tmp_path):\n    yield tmp_path\n"
            f"    raise OSError('cleanup failed: {n} files still open')\n\n"
            "def test_write(workdir):\n    assert workdir\n",
        ),
    ]
    return [
        (cat, cl, src) for cat, cl, src in cases if not (cat == "missing_module" and find_spec(mod))
    ]


FLAKY_SHAPES = [
    ("flaky-eventual-consistency", "    assert count == {n}, 'replica not caught up yet'\n"),
    ("flaky-connection-reset", "    raise ConnectionResetError(104, 'Connection reset by peer')\n"),
    ("flaky-order", "    assert seen == sorted(seen), f'events out of order: {{seen}}'\n"),
]


def flaky_source(i: int, r: random.Random) -> tuple[str, str]:
    """A test that fails on its first run and passes on the next (a state file remembers)."""
    cluster, fail = FLAKY_SHAPES[i % len(FLAKY_SHAPES)]
    n = r.randint(10, 99)
    body = fail.format(n=n)
    return cluster, (
        "from pathlib import Path\n\ndef test_eventually():\n"
        f"    marker = Path(__file__).with_suffix('.ran')\n    count = {n - r.randint(1, 9)}\n"
        f"    seen = [3, 1, 2]\n    if marker.exists():\n        return\n"
        f"    marker.touch()\n{body}"
    )


CRASHES = [
    ("crash-os-exit", "import os\n\ndef test_worker():\n    print('flushing state')\n"
     "    os._exit({code})\n"),
    ("crash-segfault", "import ctypes\n\ndef test_native():\n    ctypes.string_at({addr})\n"),
    ("crash-abort", "import os\n\ndef test_assert_native():\n    os.abort()\n"),
    ("crash-sigkill", "import os\nimport signal\n\ndef test_oom_killer():\n"
     "    os.kill(os.getpid(), signal.SIGKILL)\n"),
]  # fmt: skip

# ---------------------------------------------------------------- node sources

NODE_HEAD = "import test from 'node:test';\nimport assert from 'node:assert';\n"
NODE_PORT = (
    "import net from 'node:net';\n"
    "async function closedPort() {\n  const s = net.createServer();\n"
    "  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));\n"
    "  const port = s.address().port;\n"
    "  await new Promise((ok) => s.close(ok));\n  return port;\n}\n"
)


def node_cases(i: int, r: random.Random) -> list[tuple[str, str, str]]:
    """(category, cluster, source of one node test file) for variant ``i`` of every node kind."""
    a, b, n = r.randint(2, 90), r.randint(2, 90), r.randint(100, 999)
    host = r.choice(["db", "cache", "api", "auth"]) + f"-{n}"
    ms = r.choice([30, 50, 80])
    pkg = ["left-pad-ng", "lodash-es", "@acme/sdk", "pg", "ioredis"][i % 5]
    return [
        ("assertion", "js-assert-strict-equal",
         f"test('cart total', () => {{\n  assert.strictEqual({a} + {b}, {a + b + i + 1});\n}});\n"),
        ("assertion", "js-assert-deep-equal",
         f"test('parsed config', () => {{\n  assert.deepStrictEqual({{ port: {n}, tls: true }},"
         f" {{ port: {n + a}, tls: {str(i % 2 == 1).lower()} }});\n}});\n"),
        ("assertion", "js-type-error",
         f"test('user name', () => {{\n  const user = undefined;\n"
         f"  assert.equal(user.name{i}, 'x');\n}});\n"),
        ("connection_refused", "js-conn-refused-net", NODE_PORT +
         "test('db connect', async () => {\n  const port = await closedPort();\n"
         "  await new Promise((ok, fail) =>\n"
         "    net.connect(port, '127.0.0.1', ok).on('error', fail));\n"
         "});\n"),
        ("connection_refused", "js-conn-refused-fetch", NODE_PORT +
         f"test('health', async () => {{\n"
         f"  await fetch(`http://127.0.0.1:${{await closedPort()}}/health/{n}`);\n}});\n"),
        ("dns", "js-dns-fetch",
         f"test('status', async () => {{\n  await fetch('http://{host}.invalid/v{i}/status');\n}});\n"),
        ("dns", "js-dns-lookup",
         f"import dns from 'node:dns/promises';\ntest('resolve', async () => {{\n"
         f"  await dns.lookup('{host}.invalid');\n}});\n"),
        ("timeout", "js-test-timeout",
         f"test('job finishes', {{ timeout: {ms} }}, async () => {{\n"
         f"  await new Promise((ok) => setTimeout(ok, {ms * 6}));\n}});\n"),
        ("missing_module", "js-missing-module-dynamic",
         f"test('client', async () => {{\n  await import('{pkg}');\n}});\n"),
        ("missing_module", "js-missing-module-static",
         f"import client from '{pkg}';\ntest('client', () => {{\n  assert.ok(client);\n}});\n"),
        ("out_of_memory", "js-array-buffer-alloc",
         f"test('load blob', () => {{\n  new ArrayBuffer(2 ** 40 + {n});\n}});\n"),
        ("disk_full", "js-disk-full",
         f"import fs from 'node:fs';\ntest('export', () => {{\n"
         f"  fs.writeFileSync('/dev/full', 'row,{n}\\n'.repeat({a * 10}));\n}});\n"),
        ("permission_denied", "js-exec-eacces",
         f"import fs from 'node:fs';\nimport {{ execFileSync }} from 'node:child_process';\n"
         f"test('hook', () => {{\n"
         f"  const hook = new URL('./hook-{n}{i}.sh', import.meta.url).pathname;\n"
         f"  fs.writeFileSync(hook, '#!/bin/sh\\necho hi\\n', {{ mode: 0o644 }});\n"
         f"  execFileSync(hook);\n}});\n"),
        ("crash", "js-process-exit",
         f"test('worker', () => {{\n  console.log('draining queue {n}');\n"
         f"  process.exit({r.choice([1, 2, 3, 70])});\n}});\n"),
        ("crash", "js-process-abort", "test('native', () => {\n  process.abort();\n});\n"),
    ]  # fmt: skip


NODE_FLAKY = (
    "import fs from 'node:fs';\n"
    "test('eventually', () => {{\n"
    "  const marker = new URL('./{name}.ran', import.meta.url).pathname;\n"
    "  if (fs.existsSync(marker)) return;\n  fs.writeFileSync(marker, '');\n"
    "  assert.strictEqual({got}, {want}, 'replica not caught up yet');\n}});\n"
)

# ---------------------------------------------------------------- java sources


def java_class(name: str, i: int, r: random.Random) -> tuple[str, dict[str, tuple[str, str]]]:
    """One JUnit 4 test class with a failing method of every kind, and each method's label."""
    a, b, n = r.randint(2, 90), r.randint(2, 90), r.randint(100, 999)
    host = r.choice(["db", "cache", "api"]) + f"-{n}"
    methods = {
        "assertTotal": ("assertion", "java-assert-equals",
                        f"assertEquals({a + b + 1}, {a} + {b});"),
        "assertMessage": ("assertion", "java-assert-true-message",
                          f"assertTrue(\"queue {n} should be empty\", {n} == 0);"),
        "assertArray": ("assertion", "java-assert-array-equals",
                        f"assertArrayEquals(new int[]{{1, {a}, 3}},"
                        f" new int[]{{1, {b + 100}, 3}});"),
        "connectRefused": ("connection_refused", "java-conn-refused-socket",
                           "int port; try (java.net.ServerSocket s = new java.net.ServerSocket(0))"
                           " { port = s.getLocalPort(); }\n"
                           "    new java.net.Socket(\"127.0.0.1\", port).close();"),
        "resolveHost": ("dns", "java-unknown-host",
                        f"java.net.InetAddress.getByName(\"{host}.invalid\");"),
        "timesOut": ("timeout", "java-test-timeout", "Thread.sleep(5000);"),
        "outOfMemory": ("out_of_memory", "java-heap-space",
                        f"long[][] rows = new long[{a + 10}][];\n"
                        "    for (int k = 0; k < rows.length; k++) rows[k] = new long[4_000_000];"),
        "missingClass": ("missing_module", "java-class-not-found",
                         f"Class.forName(\"com.acme.client{n}.Driver\");"),
        "diskFull": ("disk_full", "java-disk-full",
                     "try (java.io.FileOutputStream out ="
                     " new java.io.FileOutputStream(\"/dev/full\"))"
                     f" {{ out.write(new byte[{n}]); }}"),
        "execDenied": ("permission_denied", "java-exec-eacces",
                       f"java.io.File hook = new java.io.File(\"hook-{n}{i}.sh\");\n"
                       "    java.nio.file.Files.writeString(hook.toPath(), \"#!/bin/sh\\n\");\n"
                       "    new ProcessBuilder(hook.getAbsolutePath()).start().waitFor();"),
    }  # fmt: skip
    timeout = r.choice([50, 100, 200])
    body = "".join(
        f"  @Test{f'(timeout = {timeout})' if key == 'timesOut' else ''}"
        f" public void {key}() throws Exception {{\n    {code}\n  }}\n"
        for key, (_, _, code) in methods.items()
    )
    source = (
        "import org.junit.Test;\nimport static org.junit.Assert.*;\n\n"
        f"public class {name} {{\n{body}}}\n"
    )
    return source, {key: (cat, cl) for key, (cat, cl, _) in methods.items()}


# ---------------------------------------------------------------- running and parsing


def clip(text: str | None) -> str:
    """At most LIMIT characters, keeping the start and the end."""
    text = text or ""
    if len(text) <= LIMIT:
        return text
    half = LIMIT // 2
    return f"{text[:half]}\n... [{len(text) - LIMIT} characters cut] ...\n{text[-half:]}"


def record(runner, outcome, message, longrepr, stdout, stderr, etype, category, cluster, **extra):
    """One dataset line."""
    return {
        "runner": runner,
        "outcome": outcome,
        "message": clip(message),
        "longrepr": clip(longrepr),
        "stdout": clip(stdout),
        "stderr": clip(stderr),
        "exception_type": etype,
        "label": {"category": category, "cluster": cluster},
        **extra,
    }


def junit_failures(path: Path):
    """(testcase, failure-or-error element, system-out, system-err) for each failing testcase."""
    for case in ET.parse(path).getroot().iter("testcase"):
        out, err = case.findtext("system-out") or "", case.findtext("system-err") or ""
        for bad in list(case.findall("failure")) + list(case.findall("error")):
            yield case, bad, out, err


def pytest_type(message: str) -> str | None:
    """The exception type pytest put at the start of its crash message, if any."""
    match = re.match(r"([A-Za-z_][\w.]*)(: |$)", message)
    return match.group(1) if match else None


def run_pytest(project: Path, labels: dict[str, tuple[str, str]], flaky: bool = False):
    """Run pytest on ``project`` and turn each failing testcase into a record."""
    xml = project / "report.xml"
    cmd = [PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "--continue-on-collection-errors"]
    cmd += ["-o", "junit_logging=all"]
    proc = subprocess.run(
        [*cmd, f"--junitxml={xml}", "-q", str(project)],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=300,
    )
    if not xml.exists():
        raise SystemExit(f"pytest wrote no report for {project}:\n{proc.stdout}\n{proc.stderr}")
    out = []
    for case, bad, stdout, stderr in junit_failures(xml):
        key = re.search(r"c\d{3}", f"{case.get('classname')} {case.get('name')}").group(0)
        category, cluster = labels[key]
        message = bad.get("message", "")
        outcome = "failed" if bad.tag == "failure" else "error"
        if flaky:
            category = "flaky"
        out.append(
            record(
                "pytest",
                outcome,
                message,
                bad.text,
                stdout,
                stderr,
                pytest_type(message),
                category,
                cluster,
                test=f"{case.get('classname')}::{case.get('name')}",
            )  # fmt: skip
        )
    return out


def describe_exit(returncode: int, output: str) -> str:
    """The message orch writes for a test whose process died (as core.run.describe_exit)."""
    import signal

    if returncode < 0:
        text = f"killed by {signal.Signals(-returncode).name}"
    else:
        text = f"exit code {returncode}"
    last = next((line for line in reversed(output.splitlines()) if line.strip()), "")
    return f"{text}: {last.strip()[:200]}" if last else text


def run_crash(project: Path, key: str, cluster: str):
    """Run one crashing test file in its own pytest process; record how the process died."""
    proc = subprocess.run(
        [PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "-v", f"{key}.py"],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=60,
    )
    why = describe_exit(proc.returncode, proc.stdout + proc.stderr)
    return record(
        "process", "error", f"test process died while running this test ({why})",
        "", proc.stdout, proc.stderr, None, "crash", cluster,
        exit_code=proc.returncode, test=f"{key}.py::test",
    )  # fmt: skip


def run_killed(project: Path, key: str, limit: float):
    """Run a hanging test and kill it at ``limit`` seconds, as orch's per-test timeout does."""
    proc = subprocess.Popen(
        [PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "-v", f"{key}.py"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=project,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        stdout, stderr = proc.communicate()
    return record(
        "process", "timeout",
        f"exceeded the per-test timeout of {limit:g}s; orch killed its process tree",
        "", stdout, stderr, None, "timeout", "timeout-killed-hang",
        exit_code=proc.returncode, test=f"{key}.py::test_hangs",
    )  # fmt: skip


def run_node(project: Path, key: str, category: str, cluster: str):
    """Run one node test file with the junit reporter; one record per failing testcase."""
    xml = project / f"{key}.xml"
    proc = subprocess.run(
        [NODE, "--test", "--test-reporter=junit", f"--test-reporter-destination={xml}",
         f"{key}.test.mjs"],
        capture_output=True, text=True, cwd=project, timeout=60,
    )  # fmt: skip
    out = []
    for case, bad, _, _ in junit_failures(xml):
        outcome = "failed" if bad.tag == "failure" else "error"
        out.append(
            record(
                "node",
                outcome,
                bad.get("message", ""),
                bad.text,
                proc.stdout,
                proc.stderr,
                bad.get("type"),
                category,
                cluster,
                test=case.get("name"),
            )  # fmt: skip
        )
    return out


def run_java(project: Path, name: str, labels: dict[str, tuple[str, str]]):
    """Run one JUnit 4 class through ant's JUnitTestRunner with the XML formatter."""
    xml = project / f"TEST-{name}.xml"
    formatter = "org.apache.tools.ant.taskdefs.optional.junit.XMLJUnitResultFormatter"
    proc = subprocess.run(
        ["java", "-Xmx96m", "-cp", f"{JAVA_CP}:.",
         "org.apache.tools.ant.taskdefs.optional.junit.JUnitTestRunner", name,
         f"formatter={formatter},{xml}"],
        capture_output=True, text=True, cwd=project, timeout=120,
    )  # fmt: skip
    suite = ET.parse(xml).getroot()
    stdout = suite.findtext("system-out") or proc.stdout
    stderr = suite.findtext("system-err") or proc.stderr
    out = []
    for case, bad, _, _ in junit_failures(xml):
        category, cluster = labels[case.get("name")]
        out.append(
            record(
                "java",
                "failed" if bad.tag == "failure" else "error",
                bad.get("message", ""),
                bad.text,
                stdout,
                stderr,
                bad.get("type"),
                category,
                cluster,
                test=f"{case.get('classname')}.{case.get('name')}",
            )  # fmt: skip
        )
    return out


def dns_fails_fast() -> bool:
    """Resolving a .invalid name must fail within 2 s, or the DNS kinds are skipped."""
    code = "import socket\ntry:\n socket.getaddrinfo('probe.invalid', 80)\nexcept OSError: pass"
    try:
        subprocess.run([PYTHON, "-c", code], timeout=2, check=True)
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
        return False
    return True


def build(tmp: Path) -> list[dict]:
    """Write and run every project; return all records."""
    rng = random.Random(SEED)
    dns_ok = dns_fails_fast()
    records: list[dict] = []
    jobs = []
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))

    py = tmp / "py"
    py.mkdir()
    py.chmod(0o777)  # the permission tests read and write here as nobody
    labels: dict[str, tuple[str, str]] = {}
    for i in range(REPS):
        for category, cluster, src in py_cases(i, rng):
            if category == "dns" and not dns_ok:
                continue
            key = f"c{len(labels):03d}"
            labels[key] = (category, cluster)
            (py / f"test_{key}.py").write_text(src)

    flaky = tmp / "flaky"
    flaky.mkdir()
    flaky_labels = {}
    for i in range(3 * len(FLAKY_SHAPES)):
        cluster, src = flaky_source(i, rng)
        key = f"c{i:03d}"
        flaky_labels[key] = ("flaky", cluster)
        (flaky / f"test_{key}.py").write_text(src)

    crash = tmp / "crash"
    crash.mkdir()
    for i in range(4):
        for cluster, src in CRASHES:
            key = f"test_{cluster.replace('-', '_')}_{i}"
            code = [1, 3, 70, 137][i]
            (crash / f"{key}.py").write_text(src.format(code=code, addr=i * 8))
            jobs.append(pool.submit(run_crash, crash, key, cluster))
    for i, limit in enumerate([0.5, 1.0, 1.5, 2.0, 2.5]):
        key = f"test_hang_{i}"
        (crash / f"{key}.py").write_text(
            f"import time\n\ndef test_hangs():\n    print('waiting for lock {i}', flush=True)\n"
            "    time.sleep(60)\n"
        )
        jobs.append(pool.submit(run_killed, crash, key, limit))

    node = tmp / "node"
    node.mkdir()
    for i in range(4):
        for category, cluster, src in node_cases(i, rng):
            if category == "dns" and not dns_ok:
                continue
            key = f"n{i}-{cluster}"
            (node / f"{key}.test.mjs").write_text(NODE_HEAD + src)
            jobs.append(pool.submit(run_node, node, key, category, cluster))

    if shutil.which("javac") and Path("/usr/share/java/ant-junit4.jar").exists():
        java = tmp / "java"
        java.mkdir()
        classes = {}
        for i in range(4):
            name = f"Shop{i}Test"
            source, classes[name] = java_class(name, i, rng)
            (java / f"{name}.java").write_text(source)
        subprocess.run(
            ["javac", "-cp", JAVA_CP, *[f"{c}.java" for c in classes]], cwd=java, check=True
        )
        for name, java_labels in classes.items():
            jobs.append(pool.submit(run_java, java, name, java_labels))

    records += run_pytest(py, labels)
    records += run_pytest(flaky, flaky_labels, flaky=True)
    rerun = run_pytest(flaky, flaky_labels, flaky=True)
    if rerun:
        raise SystemExit(f"flaky tests failed again on the second run: {rerun[0]['test']}")
    for i in range(3):  # node flaky: fail once, pass on rerun
        key = f"flaky{i}"
        got = rng.randint(10, 50)
        (node / f"{key}.test.mjs").write_text(
            NODE_HEAD + NODE_FLAKY.format(name=key, got=got, want=got + rng.randint(1, 5))
        )
        records += run_node(node, key, "flaky", "js-flaky-eventual-consistency")
        if run_node(node, key, "flaky", "js-flaky-eventual-consistency"):
            raise SystemExit(f"node flaky test {key} failed again on the second run")
    for job in jobs:
        result = job.result()
        records += result if isinstance(result, list) else [result]
    pool.shutdown()
    return records


def main() -> None:
    """Build the dataset into failures.jsonl next to this script."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="orch-failures-") as tmp:
        Path(tmp).chmod(0o755)
        records = build(Path(tmp))
    counts: dict[str, int] = {}
    lines = []
    for rec in sorted(records, key=lambda r: (r["runner"], r["label"]["cluster"])):
        stem = f"{rec['runner']}-{rec['label']['cluster']}"
        counts[stem] = counts.get(stem, 0) + 1
        lines.append(json.dumps({"id": f"{stem}-{counts[stem]}", **rec}, ensure_ascii=False))
    (HERE / "failures.jsonl").write_text("\n".join(lines) + "\n")
    by_category: dict[str, int] = {}
    for rec in records:
        by_category[rec["label"]["category"]] = by_category.get(rec["label"]["category"], 0) + 1
    print(f"{len(records)} records in {time.monotonic() - started:.1f}s", file=sys.stderr)
    print(json.dumps(by_category, indent=1, sort_keys=True), file=sys.stderr)


if __name__ == "__main__":
    main()
