"""A project whose one application uses an environment of three services: PostgreSQL as a
process with a schema, a local process and a busybox container that knows the process's port;
and what of such environments is still on the machine. Shared by the e2e environment tests and
the leak benchmark."""

from __future__ import annotations

import sys
from pathlib import Path

import docker
from orch_cli import write_files

SERVE_PROCESS = (
    "import http.server, os; http.server.ThreadingHTTPServer(('127.0.0.1', "
    "int(os.environ['ORCH_PORT'])), http.server.SimpleHTTPRequestHandler).serve_forever()"
)

TESTS = """
import os, subprocess, time, urllib.request
from pathlib import Path

def test_the_database_has_its_schema():
    out = subprocess.run(
        ["psql", os.environ["DB"], "-tAc", "select name from currencies order by name"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert out == ["EUR", "JPY"]

def test_the_container_answers_and_knows_the_process():
    with urllib.request.urlopen(os.environ["BOX_URL"] + "/peer.txt", timeout=5) as answer:
        assert answer.read().decode().strip() == os.environ["ORCH_WEB_PORT"]

def test_a_warm_pool_hands_a_clean_database():
    record = os.environ.get("VISITS")
    if record:
        db = os.environ["DB"]
        seen = subprocess.run(
            ["psql", db, "-tAc", "select count(*) from visits"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        subprocess.run(["psql", db, "-qc", "insert into visits values (1)"], check=True)
        ports = [os.environ[f"ORCH_{name}_PORT"] for name in ("DB", "WEB", "BOX")]
        with open(record, "a") as out:
            out.write(" ".join([*ports, seen]) + "\\n")

def test_slow():
    marker = os.environ.get("MARKER")
    if marker:
        Path(marker).touch()
        time.sleep(60)
"""


def environment_project(tmp_path: Path, image: str, box_wait: str = "", pool: str = "") -> Path:
    """The project in ``tmp_path``; ``box_wait`` is the container's ``wait:`` line, ``pool``
    the environment's ``pool:`` line (``VISITS``, a file, makes a test write the ports it got
    and how many rows of ``visits`` it saw there, then add one)."""
    serve = (
        "echo $WEB_PORT > /www/peer.txt; exec httpd -f -p 8080 -h /www"
        if not box_wait
        else "sleep 600"
    )
    return write_files(
        tmp_path,
        {
            "schema.sql": "create table currencies (name text primary key);\n"
            "insert into currencies values ('EUR'), ('JPY');\n"
            "create table visits (n int);\n",
            "api/tests/test_api.py": TESTS,
            "orch.yaml": f"""
                applications:
                  api:
                    path: api
                    runner: pytest
                    environment: it
                    env:
                      DB: "{{db.url}}"
                      BOX_URL: "{{box.url}}"
                      MARKER: "${{MARKER:-}}"
                      VISITS: "${{VISITS:-}}"
                environments:
                  it:
                    services:
                      db: {{type: postgres, config: {{schemas: [schema.sql], mode: process}}}}
                      web:
                        type: process
                        command: [{sys.executable}, -c, "{SERVE_PROCESS}"]
                        ports: [8000]
                      box:
                        type: docker
                        image: {image}
                        command: [sh, -c, "mkdir -p /www; {serve}"]
                        ports: [8080]
                        env: {{WEB_PORT: "{{web.port}}"}}
                        {box_wait}
                    {pool}
            """,
        },
    )


def box_started(project: Path) -> bool:
    """Whether the busybox container of ``project``'s environment exists (other projects' do
    not count: tests run side by side)."""
    listed = docker.from_env().containers.list(
        all=True, sparse=True, filters={"label": "orch.service=box"}
    )
    mine = str(project.resolve())
    return any(c.attrs["Labels"].get("orch.directory", "").startswith(mine) for c in listed)


def left_behind(prefix: str) -> list[str]:
    """Every container, network, volume or service process of owners whose id starts with
    ``prefix`` (a run's id) still there."""
    assert prefix
    client = docker.from_env()
    mine = {"label": "orch.owner"}
    listed = client.containers.list(all=True, sparse=True, filters=mine)  # no inspect: no race
    found = [f"container {c.attrs['Names'][0]}" for c in listed]
    found += [f"network {n.name}" for n in client.networks.list(filters=mine)]
    found += [f"volume {v.name}" for v in client.volumes.list(filters=mine)]
    found = [line for line in found if f"orch-{prefix}" in line]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"ORCH_TAG=env/{prefix}".encode() in environ:
                found.append(f"process {entry.name}")
    return found
