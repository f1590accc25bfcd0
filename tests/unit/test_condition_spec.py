"""What a step waits for (``wait_for:``) as users write it, read into ``orch.ports.conditions``;
each mistake one line naming its path and what to do; ``${NAME}`` filled from the step's
variables, never showing a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.core.shared.condition_spec import conditions_from, read_conditions, resolved
from orch.core.shared.documents import load_document
from orch.ports import ConfigError
from orch.ports.conditions import (
    FileCondition,
    HttpCondition,
    JsonField,
    LogCondition,
    SqlCondition,
)

WHERE = "$.cross_app_tests.pay.steps[1].wait_for"

EXAMPLE = r"""
wait_for:
  - http: http://127.0.0.1:8080/orders/42
    status: [200]
    json: {state: settled}
    timeout: 20
  - sql: "select 1 from payments where id = 42"
    dsn_env: PAYMENTS_DSN
  - file: /tmp/export.csv
    contains: "^42,"
  - log: /var/log/app.log
    line: "payment \\d+ settled"
"""


def problems(given: object) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        conditions_from(given, WHERE)
    return str(raised.value).splitlines()


def test_the_documented_example_reads_into_one_condition_of_each_kind(tmp_path: Path) -> None:
    file = tmp_path / "orch.yaml"
    file.write_text(EXAMPLE)
    given = load_document(file, "orch.yaml")["wait_for"]
    assert conditions_from(given, WHERE) == (
        HttpCondition(
            "http://127.0.0.1:8080/orders/42",
            fields=(JsonField(("state",), "settled"),),
            timeout=20.0,
        ),
        SqlCondition("select 1 from payments where id = 42", dsn_env="PAYMENTS_DSN"),
        FileCondition("/tmp/export.csv", contains="^42,"),
        LogCondition("/var/log/app.log", line=r"payment \d+ settled"),
    )


def test_defaults_are_get_200_thirty_seconds_checked_every_fifth_of_a_second() -> None:
    (condition,) = conditions_from({"http": " https://api.test/health\n"}, WHERE)
    assert condition == HttpCondition("https://api.test/health")
    assert (condition.method, condition.status, condition.timeout, condition.interval) == (
        "GET",
        (200,),
        30.0,
        0.2,
    )


def test_a_single_mapping_is_one_condition_and_an_empty_list_none() -> None:
    assert conditions_from({"file": "/tmp/ready"}, WHERE) == (FileCondition("/tmp/ready"),)
    assert conditions_from([], WHERE) == ()


def test_http_options_method_any_case_one_status_or_several_and_nested_fields() -> None:
    given = {
        "http": "http://127.0.0.1:9/orders?id=42",
        "method": "head",
        "status": 204,
        "timeout": 1,
        "interval": 0.05,
    }
    assert conditions_from(given, WHERE) == (
        HttpCondition("http://127.0.0.1:9/orders?id=42", "HEAD", (204,), (), 1.0, 0.05),
    )
    fields = {"order.state": "settled", "items.0.paid": True, "total": 12.5, "note": None}
    (condition,) = conditions_from(
        {"http": "http://h/o", "status": [200, 203], "json": fields}, WHERE
    )
    assert isinstance(condition, HttpCondition)
    assert condition.status == (200, 203)
    assert condition.fields == (
        JsonField(("order", "state"), "settled"),
        JsonField(("items", "0", "paid"), True),
        JsonField(("total",), 12.5),
        JsonField(("note",), None),
    )
    assert [str(field) for field in condition.fields] == [
        "order.state",
        "items.0.paid",
        "total",
        "note",
    ]


def test_sql_with_a_literal_dsn_and_a_first_column_value() -> None:
    given = {"sql": "select state from payments", "dsn": "host=db dbname=p", "equals": "settled"}
    assert conditions_from(given, WHERE) == (
        SqlCondition("select state from payments", dsn="host=db dbname=p", accepted=("settled",)),
    )
    null = conditions_from({"sql": "select x", "dsn_env": "DB", "equals": None}, WHERE)
    assert null == (SqlCondition("select x", dsn_env="DB", accepted=(None,)),)


def test_variables_may_appear_in_urls_dsns_queries_and_paths() -> None:
    given = [
        {"http": "${API_URL}/orders/${ORDER:-42}"},
        {"sql": "select 1 from t where price > $$5", "dsn": "${DB_URL}"},
        {"file": "${OUT}/export.csv"},
    ]
    assert [type(c) for c in conditions_from(given, WHERE)] == [
        HttpCondition,
        SqlCondition,
        FileCondition,
    ]


@pytest.mark.parametrize(
    ("given", "line"),
    [
        (
            "http://x",
            f"{WHERE}: must be a condition (http: URL, sql: QUERY, file: PATH or log: PATH) or a "
            "list of them; got 'http://x'",
        ),
        (
            ["http://x"],
            f"{WHERE}[0]: must be a mapping of http: URL, sql: QUERY, file: PATH or log: PATH; "
            "got 'http://x'",
        ),
        (
            {"http": "http://x", "sql": "select 1", "dsn": "d"},
            f"{WHERE}: gives http and sql; a condition waits for one thing: write each as its "
            "own item of the list",
        ),
        ({"timeout": 3}, f"{WHERE}: must name http: URL, sql: QUERY, file: PATH or log: PATH"),
        (
            {"http": "http://x", "contains": "y"},
            f"{WHERE}.contains: unknown key (valid: http, method, status, json, timeout, interval)",
        ),
        (
            {"http": 8080},
            f"{WHERE}.http: must be a URL such as http://127.0.0.1:8080/health; got 8080",
        ),
        (
            {"http": "ftp://user:hunter2@files/x"},
            f"{WHERE}.http: must be an http:// or https:// URL with a host, such as "
            "http://127.0.0.1:8080/health; got 'ftp://user:***@files/x'",
        ),
        (
            {"http": "http://127.0.0.1:80x/"},
            f"{WHERE}.http: must be an http:// or https:// URL with a host, such as "
            "http://127.0.0.1:8080/health; got 'http://127.0.0.1:80x/'",
        ),
        (
            {"http": "http://x", "method": "FETCH"},
            f"{WHERE}.method: unknown method 'FETCH'; did you mean 'PATCH'? (available: GET, "
            "HEAD, POST, PUT, PATCH, DELETE, OPTIONS)",
        ),
        (
            {"http": "http://x", "status": "ok"},
            f"{WHERE}.status: must be an HTTP status (100-599) or a list of them; got 'ok'",
        ),
        (
            {"http": "http://x", "status": [200, 99]},
            f"{WHERE}.status: must be an HTTP status (100-599) or a list of them; got a list of "
            "2 items",
        ),
        (
            {"http": "http://x", "status": []},
            f"{WHERE}.status: must be an HTTP status (100-599) or a list of them; got an empty "
            "list",
        ),
        (
            {"http": "http://x", "status": True},
            f"{WHERE}.status: must be an HTTP status (100-599) or a list of them; got true",
        ),
        (
            {"http": "http://x", "json": "settled"},
            f"{WHERE}.json: must map each field's dotted path to its value, such as "
            "{order.state: settled}; got 'settled'",
        ),
        (
            {"http": "http://x", "json": {}},
            f"{WHERE}.json: must map each field's dotted path to its value, such as "
            "{order.state: settled}; got an empty mapping",
        ),
        (
            {"http": "http://x", "json": {"order..state": "x"}},
            f"{WHERE}.json['order..state']: must be a dotted path of keys such as order.state",
        ),
        (
            {"http": "http://x", "json": {"order": {"state": "settled"}}},
            f"{WHERE}.json.order: must be a string, number, true, false or null; got a mapping "
            "of 1 key (for a field inside it, write its dotted path: order.state)",
        ),
        (
            {"http": "http://x", "json": {"total": float("nan")}},
            f"{WHERE}.json.total: must be a string, number, true, false or null; got .nan "
            "(for a field inside it, write its dotted path: order.state)",
        ),
        (
            {"sql": "  ", "dsn": "d"},
            f"{WHERE}.sql: must be a query such as select 1 from payments; got '  '",
        ),
        (
            {"sql": "select 1"},
            f"{WHERE}: an sql condition takes dsn: DSN or dsn_env: VARIABLE (the variable that "
            "holds it), one of them",
        ),
        (
            {"sql": "select 1", "dsn": "d", "dsn_env": "D"},
            f"{WHERE}: an sql condition takes dsn: DSN or dsn_env: VARIABLE (the variable that "
            "holds it), one of them",
        ),
        (
            {"sql": "select 1", "dsn_env": "PAYMENTS-DSN"},
            f"{WHERE}.dsn_env: must be a variable name such as PAYMENTS_DSN; got 'PAYMENTS-DSN'",
        ),
        (
            {"sql": "select 1", "dsn_env": ""},
            f"{WHERE}.dsn_env: must be a variable name such as PAYMENTS_DSN; got ''",
        ),
        (
            {"sql": "select 1", "dsn": " "},
            f"{WHERE}.dsn: must be a DSN such as postgresql://host/db",
        ),
        (
            {"sql": "select 1", "dsn": 5432},
            f"{WHERE}.dsn: must be a DSN such as postgresql://host/db; got 5432",
        ),
        (
            {"sql": "select 1", "dsn_env": "D", "equals": ["a"]},
            f"{WHERE}.equals: must be a string, number, true, false or null (what the first "
            "column holds); got a list of 1 item",
        ),
        (
            {"http": "${API_URL/health"},
            f"{WHERE}.http: a '${{' that is not closed (write $$ for a $)",
        ),
        (
            {"file": "${OUT DIR}/x"},
            f"{WHERE}.file: '${{OUT DIR}}' is not ${{NAME}} or ${{NAME:-default}} (write $$ for "
            "a $)",
        ),
        ({"file": ["a"]}, f"{WHERE}.file: must be a path; got a list of 1 item"),
        (
            {"file": "/x", "contains": "(unclosed"},
            f"{WHERE}.contains: not a valid regular expression: missing ) at position 9",
        ),
        ({"file": "/x", "contains": ""}, f"{WHERE}.contains: must be a regular expression; got ''"),
        (
            {"log": "/var/log/app.log"},
            f"{WHERE}: a log condition needs line: REGEX, the line to wait for",
        ),
        ({"log": "/x", "line": 42}, f"{WHERE}.line: must be a regular expression; got 42"),
        ({"log": "", "line": "x"}, f"{WHERE}.log: must be a path; got ''"),
        (
            {"file": "/x", "timeout": 0},
            f"{WHERE}.timeout: must be a number of seconds above 0; got 0",
        ),
        (
            {"file": "/x", "timeout": "5s"},
            f"{WHERE}.timeout: must be a number of seconds above 0; got '5s'",
        ),
        (
            {"file": "/x", "timeout": True},
            f"{WHERE}.timeout: must be a number of seconds above 0; got true",
        ),
        (
            {"file": "/x", "timeout": float("inf")},
            f"{WHERE}.timeout: must be a number of seconds above 0; got .inf",
        ),
        (
            {"file": "/x", "interval": -0.1},
            f"{WHERE}.interval: must be a number of seconds above 0; got -0.1",
        ),
    ],
)
def test_each_mistake_is_one_line_at_its_path_saying_what_to_do(given: object, line: str) -> None:
    assert problems(given) == [line]


def test_a_misspelled_kind_is_suggested() -> None:
    assert problems({"htp": "http://x", "status": 200}) == [
        f"{WHERE}.htp: unknown key; did you mean 'http'? (valid: http, method, status, json, "
        "timeout, interval, sql, dsn, dsn_env, equals, file, contains, log, line)"
    ]


def test_a_dsn_is_never_shown_in_a_mistake() -> None:
    lines = problems({"sql": "select 1", "dsn": "postgresql://u:hunter2@h/${DB NAME}"})
    assert lines == [
        f"{WHERE}.dsn: '${{DB NAME}}' is not ${{NAME}} or ${{NAME:-default}} (write $$ for a $)"
    ]
    assert problems({"sql": "select 1", "dsn": "host=h password=hunter2 dbname=${DB"}) == [
        f"{WHERE}.dsn: a '${{' that is not closed (write $$ for a $)"
    ]


def test_every_mistake_of_every_condition_is_listed_and_read_conditions_returns_them() -> None:
    given = [{"http": "http://x", "status": 0, "timeout": -1}, {"log": "/x"}, {"file": "/ok"}]
    conditions, lines = read_conditions(given, WHERE)
    assert conditions == ()
    assert lines == [
        f"{WHERE}[0].status: must be an HTTP status (100-599) or a list of them; got 0",
        f"{WHERE}[0].timeout: must be a number of seconds above 0; got -1",
        f"{WHERE}[1]: a log condition needs line: REGEX, the line to wait for",
    ]
    assert read_conditions([{"file": "/ok"}], WHERE) == ((FileCondition("/ok"),), [])


# -- resolved: the step's variables filled in -----------------------------------------------------


def test_variables_are_filled_in_urls_queries_dsns_and_paths(tmp_path: Path) -> None:
    conditions = conditions_from(
        [
            {"http": "${API_URL}/orders/${ORDER:-42}?cost=$$5"},
            {"sql": "select 1 from ${TABLE}", "dsn": "${DB_URL}"},
            {"sql": "select 2", "dsn_env": "PAYMENTS_DSN"},
            {"file": "out/export.csv"},
            {"log": "/var/log/${APP}.log", "line": "up$"},
        ],
        WHERE,
    )
    variables = {
        "API_URL": "http://127.0.0.1:8080",
        "TABLE": "payments",
        "DB_URL": "postgresql://u:pw@db/app",
        "PAYMENTS_DSN": "host=pay dbname=p",
        "APP": "payments",
    }
    assert resolved(conditions, variables, directory=tmp_path) == (
        HttpCondition("http://127.0.0.1:8080/orders/42?cost=$5"),
        SqlCondition("select 1 from payments", dsn="postgresql://u:pw@db/app"),
        SqlCondition("select 2", dsn="host=pay dbname=p", dsn_env="PAYMENTS_DSN"),
        FileCondition(str(tmp_path / "out/export.csv")),
        LogCondition("/var/log/payments.log", "up$"),
    )
    assert resolved(conditions[3:4], {}) == (FileCondition("out/export.csv"),)


def test_an_empty_variable_takes_its_default_and_without_one_is_empty() -> None:
    conditions = conditions_from([{"file": "/a/${SUB:-x}/b"}, {"file": "/a/${SUB}/b"}], WHERE)
    assert resolved(conditions, {"SUB": ""}) == (FileCondition("/a/x/b"), FileCondition("/a//b"))


def test_a_variable_not_set_is_one_line_per_place_naming_it_and_never_a_value() -> None:
    conditions = conditions_from(
        [
            {"http": "${API_ULR}/orders"},
            {"sql": "select 1", "dsn_env": "PAYMENT_DSN"},
            {"sql": "select 1", "dsn_env": "EMPTY_DSN"},
        ],
        WHERE,
    )
    variables = {
        "API_URL": "http://secret-host:1",
        "PAYMENTS_DSN": "password=hunter2",
        "EMPTY_DSN": "",
    }
    with pytest.raises(ConfigError) as raised:
        resolved(conditions, variables, where="step 'pay': wait_for")
    assert str(raised.value).splitlines() == [
        "step 'pay': wait_for[0].http: ${API_ULR} is not set in the step's environment; did you "
        "mean 'API_URL'?; set it, or give a default: ${API_ULR:-value}",
        "step 'pay': wait_for[1].dsn_env: PAYMENT_DSN is not set in the step's environment; did "
        "you mean 'PAYMENTS_DSN'?; set it (an application's env or passenv), or give dsn: instead",
        "step 'pay': wait_for[2].dsn_env: EMPTY_DSN is empty in the step's environment; give it "
        "the DSN",
    ]
    assert "hunter2" not in str(raised.value) and "secret-host" not in str(raised.value)


def test_a_url_that_is_no_url_once_filled_is_a_mistake_without_its_password() -> None:
    conditions = conditions_from({"http": "${API}/health"}, WHERE)
    with pytest.raises(ConfigError) as raised:
        resolved(conditions, {"API": "db://orch:hunter2@db:5432"})
    assert str(raised.value) == (
        "wait_for[0].http: must be an http:// or https:// URL with a host, such as "
        "http://127.0.0.1:8080/health; got 'db://orch:***@db:5432/health'"
    )
