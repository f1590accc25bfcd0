"""Redaction of secrets in test output: each shape the issue names, what must stay, and speed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from wall_clock import budget

from orch.core.shared.redaction import (
    MASK,
    Redactor,
    environment_secrets,
    passed_secrets,
    redactor_for,
)
from orch.ports import (
    Application,
    EnvironmentSpec,
    Outcome,
    PostgresConfig,
    ServiceSpec,
    TestResult,
)

MASKED = [
    (
        "postgres://orders:secret@db.internal:5432/orders",
        "postgres://orders:***@db.internal:5432/orders",
    ),
    ("redis://:hunter22@cache:6379/0", "redis://:***@cache:6379/0"),
    ("mysql://u:p@ss@w0rd@db/x", "mysql://u:***@db/x"),
    ("GET /api?token=abc123&page=2 HTTP/1.1", "GET /api?token=***&page=2 HTTP/1.1"),
    ("https://h/cb?code=1&password=pw&x=1", "https://h/cb?code=1&password=***&x=1"),
    ("API_TOKEN=abc def", "API_TOKEN=*** def"),
    ("export DB_PASSWORD='a b c'", "export DB_PASSWORD='***'"),
    ('{"password": "x", "user": "u"}', '{"password": "***", "user": "u"}'),
    ("{'secret_key': 'k-123', 'id': 7}", "{'secret_key': '***', 'id': 7}"),
    ("spring.datasource.password=hunter2", "spring.datasource.password=***"),
    ("apiKey: zz-top", "apiKey: ***"),
    ('password="no closing quote', 'password="***'),
    (r'"token": "with \" quote"', '"token": "***"'),
    ("assert token == 'abc'", "assert token == '***'"),
    ("Authorization: Bearer eyJhbGciOi.J9.x", "Authorization: Bearer ***"),
    ("headers={'Authorization': 'Basic dXNlcjpwdw=='}", "headers={'Authorization': 'Basic ***'}"),
    ("sent Bearer abcdefghijklmnop to the API", "sent Bearer *** to the API"),
]

UNCHANGED = [
    "KeyError: 'refund_id'",
    "TokenExpiredError: token expired after 30s",
    "tests/test_token.py:12: in test_refresh",
    "at Object.<anonymous> (test/key.test.js:13:39)",
    "tests/test_api_key.py::test_rotate PASSED",
    "the keys: 3, the tokens: 4",
    "see http://host:8080/path?page=2 and mail a@b.example",
    "ssh://git@github.com/acme/shop.git",
    "monkeypatch.setenv is a fixture",
    "the bearer of bad news",
    "",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_each_shape_of_secret_is_masked(text: str, expected: str) -> None:
    assert Redactor().text(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert Redactor().text(text) == text


def test_known_values_are_masked_wherever_they_appear_and_short_ones_are_not() -> None:
    redactor = Redactor(["ghp_0123456789abcdef", "abc"])
    text = "token ghp_0123456789abcdef in x-ghp_0123456789abcdef-y; abc stays"
    assert redactor.text(text) == "token *** in x-***-y; abc stays"


def test_redaction_is_idempotent_and_overlaps_merge() -> None:
    redactor = Redactor(["orders-secret-pw"])
    text = "DATABASE_URL=postgres://orders:orders-secret-pw@db/x and Bearer orders-secret-pw"
    once = redactor.text(text)
    assert "orders-secret-pw" not in once and redactor.text(once) == once
    assert once == "DATABASE_URL=postgres://orders:***@db/x and Bearer ***"


def test_only_values_mode_leaves_names_and_paths_alone() -> None:
    redactor = Redactor(["ghp_0123456789abcdef"], patterns=False)
    message = (
        "orch.yaml: $.applications.pay.env.API_TOKEN: expected a string, got ghp_0123456789abcdef"
    )
    assert redactor.text(message) == (
        "orch.yaml: $.applications.pay.env.API_TOKEN: expected a string, got ***"
    )


def test_a_result_keeps_its_id_and_loses_its_secrets() -> None:
    result = TestResult(
        "pay",
        "tests/test_db.py::test_connect",
        Outcome.FAILED,
        message="cannot connect to postgres://orders:secret@db/x",
        longrepr="E   password='secret'",
        stdout="API_TOKEN=tok-1234567",
        stderr="Authorization: Bearer abcdefghijkl",
    )
    clean = Redactor().result(result)
    assert clean.id == result.id
    assert "secret" not in clean.message + clean.longrepr
    assert (clean.stdout, clean.stderr) == ("API_TOKEN=***", "Authorization: Bearer ***")
    plain = TestResult("pay", "t::x", Outcome.PASSED, message="all good")
    assert Redactor().result(plain) is plain


def test_a_workflow_masks_the_secrets_it_passes_and_orchs_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = Application(
        "pay",
        tmp_path,
        "pytest",
        env={"DB_PASSWORD": "from-env-entry-1", "REGION": "eu-west-1"},
        passenv=("CI_*",),
    )
    environ = {
        "CI_DEPLOY_TOKEN": "passed-through-2",
        "CI_JOB_NAME": "build-job",
        "OTHER_KEY": "x" * 9,
    }
    assert sorted(passed_secrets([app], environ)) == [
        "from-env-entry-1",
        "passed-through-2",
    ]
    monkeypatch.setenv("ORCH_GITHUB_TOKEN", "ghp_held_by_orch_42")
    said = redactor_for([app]).text("from-env-entry-1 eu-west-1 ghp_held_by_orch_42")
    assert said == f"{MASK} eu-west-1 {MASK}"


def test_the_secrets_of_provisioned_services_are_masked_wherever_a_test_prints_them(
    tmp_path: Path,
) -> None:
    """A test handed ``{db.env.POSTGRES_PASSWORD}`` under an innocent name still prints ***."""
    environment = EnvironmentSpec(
        "it",
        (
            ServiceSpec("db", "postgres", config=PostgresConfig(password="pg-pass-77")),
            ServiceSpec(
                "api",
                "docker",
                image="api",
                env={"API_SECRET": "api-secret-88", "MODE": "strict-mode"},
            ),
        ),
    )
    app = Application("pay", tmp_path, "pytest", env={"CONN": "{api.env.API_SECRET}"})
    assert environment_secrets([environment]) == ["pg-pass-77", "api-secret-88"]
    said = redactor_for([app], [environment]).text("pg-pass-77 api-secret-88 strict-mode")
    assert said == f"{MASK} {MASK} strict-mode"


def test_ten_megabytes_of_output_take_a_fraction_of_a_second_and_hostile_ones_stay_linear() -> None:
    """Linear: every trigger is found by a C substring scan and matched once, so a text made of
    nothing but triggers stays linear (the quadratic regex took 30 s for 160 KB of ``key_``)."""
    redactor = Redactor(["ghp_0123456789abcdef"])
    line = "INFO request handled in 12ms user=bob path=/api/v1/items status=200\n"
    size = 10_000_000
    texts = {
        "log": (line * (size // len(line))),
        "KEY": "KEY" * (size // 3),
        "key_": "key_" * (size // 4),
        'password="': 'password="' * (size // 10),
    }
    for name, text in texts.items():
        began = time.perf_counter()
        redactor.text(text)
        seconds = time.perf_counter() - began
        limit = budget(1.0 if name == "log" else 10.0)  # measured 0.1 s, 0.1-3 s on a busy machine
        assert seconds < limit, f"{name}: {len(text)} characters took {seconds:.2f}s"


def test_emptying_a_runs_scratch_folders_never_raises(tmp_path):
    # it runs in the run's finally: an error there lost the last results and the reports
    from orch.core.shared.redaction import remove_raw_output

    run = tmp_path / "run"
    (run / "app-0-a1" / "basetemp" / "deep").mkdir(parents=True)
    (run / "app-0-a1" / "output.log").write_text("postgres://u:pw@db\n")
    os.mkfifo(run / "app-0-a1" / "fifo")
    (run / "lock").write_text("")
    (run / "gone").symlink_to(tmp_path / "nowhere")
    remove_raw_output(run)
    assert sorted(p.name for p in run.iterdir()) == ["app-0-a1", "gone", "lock"]
    assert list((run / "app-0-a1").iterdir()) == []
    remove_raw_output(run / "lock")  # not a folder
    remove_raw_output(tmp_path / "missing")
