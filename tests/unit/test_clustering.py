"""Normalisation, template mining, fingerprints and clusters of failures."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from orch.core.triage.clustering import (
    TemplateMiner,
    cluster_failures,
    fingerprint,
    is_app_frame,
    normalise,
)
from orch.ports import Failure, Frame, Outcome, TestResult


def failure(
    message: str,
    exception_type: str = "",
    nodeid: str = "tests/test_a.py::test_a",
    app: str = "pay",
    frames: tuple[Frame, ...] = (),
) -> Failure:
    result = TestResult(app, nodeid, Outcome.FAILED, message=message)
    return Failure(result=result, exception_type=exception_type, frames=frames)


@pytest.mark.parametrize(
    ("message", "template"),
    [
        ("Timeout after 31s on host-7", "Timeout after <DUR> on host-<NUM>"),
        ("took 12.5 ms, limit 3 min", "took <DUR>, limit <DUR>"),
        ("connect db-1:5432 refused", "connect <HOST> refused"),
        ("from 10.0.3.7:8080 and 192.168.0.1", "from <IP> and <IP>"),
        ("id 550e8400-e29b-41d4-a716-446655440000 gone", "id <UUID> gone"),
        ("<Foo object at 0x7f3a2b1c>", "<Foo object at <HEX>>"),
        ("at commit 3f2a9c1d7e0b and Foo@1b6d3586", "at commit <HEX> and Foo@<HEX>"),
        ("at 2024-01-02T10:11:12.5Z then 10:11:13", "at <TS> then <TS>"),
        ("at 2024-01-02 10:11:12+02:00", "at <TS>"),
        ("missing /tmp/pytest-of-ci/pytest-3/test_x0/a.txt", "missing <PATH>"),
        ("missing /var/tmp/build/x", "missing <PATH>"),
        (r"open C:\Users\bob\AppData\Local\Temp\tmpab\x.db", "open <PATH>"),
        ("count=17 of -3, 1.5e10", "count=<NUM> of -<NUM>, <NUM>"),
        ("at tests/test_a.py:42 in user42 v2", "at tests/test_a.py:<NUM> in user42 v2"),
        ("expected 'abc'  \n got  'd'", "expected 'abc' got 'd'"),
    ],
)
def test_normalise(message, template):
    assert normalise(message) == template


def test_normalise_quoted_values_on_request():
    assert normalise("""expected 'abc' got "d" """, quoted=True) == "expected <STR> got <STR>"


def test_timeout_messages_are_one_cluster():
    failures = [
        failure("Timeout after 31s on host-7", nodeid="tests/test_a.py::test_a"),
        failure("Timeout after 12s on host-2", nodeid="tests/test_b.py::test_b", app="inv"),
    ]
    [cluster] = cluster_failures(failures)
    assert cluster.template == "Timeout after <DUR> on host-<NUM>"
    assert cluster.tests == ("inv::tests/test_b.py::test_b", "pay::tests/test_a.py::test_a")
    assert cluster.apps == ("inv", "pay")
    assert cluster.share == 1.0
    assert cluster.representative == "Timeout after 31s on host-7"
    assert {member.cluster for member in cluster.failures} == {cluster.id}


def test_miner_merges_differing_tokens_into_wildcards():
    miner = TemplateMiner()
    first = miner.add("E", "Connection refused by payments primary")
    second = miner.add("E", "Connection refused by payments replica")
    assert first is second
    assert first.template == "Connection refused by payments <*>"
    assert first.size == 2
    other = miner.add("E", "Disk quota exceeded for volume data")
    assert other is not first
    assert len(miner) == 2


def test_different_exception_types_never_merge():
    failures = [
        failure("Timeout after 31s on host-7", "TimeoutError"),
        failure("Timeout after 31s on host-7", "ConnectionError"),
    ]
    clusters = cluster_failures(failures)
    assert len(clusters) == 2
    assert len({cluster.id for cluster in clusters}) == 2


def test_shares_add_up_and_failures_are_kept():
    messages = [f"Timeout after {n}s on host-{n % 5}" for n in range(7)]
    messages += [f"KeyError: 'user_{n}'" for n in range(3)]
    messages += ["assert 3 == 4", "Connection refused by db primary"]
    failures = [failure(message, nodeid=f"t.py::test_{i}") for i, message in enumerate(messages)]
    clusters = cluster_failures(failures)
    assert sum(cluster.share for cluster in clusters) == pytest.approx(1.0)
    assert sorted(m.result.nodeid for c in clusters for m in c.failures) == sorted(
        f.result.nodeid for f in failures
    )
    assert clusters[0].share == pytest.approx(7 / 12)
    assert all(m.template and m.fingerprint for c in clusters for m in c.failures)
    assert cluster_failures([]) == []


def test_fingerprint_uses_innermost_app_frames_only():
    app = Frame("/app/pay/processor.py", 41, "refund", "python")
    library = Frame("/venv/lib/python3.11/site-packages/requests/api.py", 73, "send", "python")
    plain = failure("ValueError: bad 10", "ValueError", frames=(app,))
    with_library = failure("ValueError: bad 12", "ValueError", frames=(app, library))
    elsewhere = failure(
        "ValueError: bad 10", "ValueError", frames=(Frame("/app/pay/x.py", 3, "f", "python"),)
    )
    assert fingerprint(plain) == fingerprint(with_library)
    assert fingerprint(plain) != fingerprint(elsewhere)
    assert len(fingerprint(plain)) == 16
    assert not is_app_frame(library)
    assert not is_app_frame(Frame("Thread.java", 1, "java.lang.Thread.run", "java"))
    assert not is_app_frame(Frame("/a/node_modules/m/r.js", 1, "run", "javascript"))
    assert is_app_frame(Frame("Repo.java", 1, "com.acme.Repo.find", "java"))


def test_fingerprints_are_stable_across_processes():
    script = textwrap.dedent(
        """
        from orch.core.triage.clustering import cluster_failures
        from orch.ports import Failure, Frame, Outcome, TestResult
        frames = (Frame("/app/x.py", 3, "f", "python"),)
        failures = [
            Failure(TestResult("a", f"t::{i}", Outcome.FAILED, message=f"Timeout after {i}s"),
                    exception_type="TimeoutError", frames=frames)
            for i in range(3)
        ]
        print(sorted((c.id, m.fingerprint) for c in cluster_failures(failures) for m in c.failures))
        """
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_miner_memory_is_bounded():
    miner = TemplateMiner(max_clusters=10)
    for n in range(100):
        word = "".join(chr(97 + (n // 26**k) % 26) for k in range(3))
        miner.add("E", f"{word} {word} {word}")
    assert len(miner) == 10
    assert miner.add("E", "aaa aaa aaa").size == 1  # long forgotten, so new again
