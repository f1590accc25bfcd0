"""Seeded fuzzing of redaction: generated test output mixing secrets in many shapes with noise.

Each text is lines of noise (log lines, tracebacks, paths, URLs without credentials, exception
names that contain secret words, non-ASCII and control characters) with secrets put in: URLs
with passwords, ``NAME=value`` in several quotings, JSON and Python dicts, YAML-ish lines,
query strings, ``Authorization`` headers, and bare values orch knows. No secret may survive,
every noise line must come out unchanged, and no text may take long.
"""

from __future__ import annotations

import json
import random
import string
import time

from orch.core.shared.redaction import Redactor

SEED = 20261202
TEXTS = 1500
SECONDS_PER_TEXT = 0.05

SECRET_NAMES = [
    "API_TOKEN", "DB_PASSWORD", "SECRET_KEY", "github_token", "apiKey", "client-secret",
    "AWS_SECRET_ACCESS_KEY", "passwd", "access_token", "x-api-key", "Password", "refreshToken",
    "spring.datasource.password", "SLACK_BOT_TOKEN", "privateKey", "auth_token",
]  # fmt: skip
NOISE = [
    "INFO 2026-01-02T10:11:12Z request handled in 12ms status=200 path=/api/v1/items",
    "DEBUG pool size=4 workers=2 retry=3",
    'File "/app/src/orders/db.py", line 41, in connect',
    "tests/test_token.py:12: in test_refresh",
    "at Object.<anonymous> (test/key.test.js:13:39)",
    "tests/test_api_key.py::test_rotate PASSED",
    "E   KeyError: 'refund_id'",
    "TokenExpiredError: token expired after 30s",
    "see http://localhost:8080/health?verbose=1 and https://docs.example/a#b",
    "ssh://git@github.com/acme/shop.git cloned",
    "mail ops@example.com for help",
    "assert 3 == 4",
    "the keys: 3, the tokens: 4",
    "Grüße, İstanbul, 東京 — naïve café",
    "tab\tseparated\tvalues",
    "bell \x07 and escape \x1b[31mred\x1b[0m",
    "{'user': 'bob', 'id': 7, 'roles': ['admin']}",
    '{"status": "ok", "count": 12}',
    "user=bob region=eu-west-1 url=postgres://db.internal:5432/orders",
    "monkeypatch.setenv is a fixture; the bearer of bad news",
]
BARE = string.ascii_letters + string.digits + "._~+=-!$%^*"
URL_SAFE = string.ascii_letters + string.digits + "._~+=-!$%*"
QUOTED = BARE + " ,;&:/@#?"


def secret(rng: random.Random, alphabet: str = BARE) -> str:
    """A secret at least 8 characters long with a marker no noise contains."""
    body = "".join(rng.choice(alphabet) for _ in range(rng.randint(8, 40)))
    return f"Zq{body}{rng.randint(0, 9)}"


def shapes(rng: random.Random, value: str, quoted: str, url_value: str) -> list[str]:
    name = rng.choice(SECRET_NAMES)
    scheme = rng.choice(["postgres", "mysql", "redis", "amqp", "https", "mongodb+srv"])
    user, host = rng.choice(["orders", "admin", ""]), f"db-{rng.randint(1, 9)}.internal:5432"
    return [
        f"{scheme}://{user}:{url_value}@{host}/x",
        f"{name}={value}",
        f"export {name}='{quoted}'",
        f'{name}="{quoted}"',
        f"{name}: {value}",
        f"{name} = {value}",
        json.dumps({name: quoted, "user": "bob"}),
        repr({name: quoted, "id": 7}),
        f"GET /cb?code=1&{name}={value}&page=2 HTTP/1.1",
        f"Authorization: Bearer {value}",
        f"Proxy-Authorization: Basic {value}",
        f"headers={{'Authorization': 'token {value}'}}",
        f"sent Bearer {value} upstream",
        f"known value {value} printed bare",
        f"{name}={value}\x00HOME=/root\x00",
    ]


def generated(rng: random.Random) -> tuple[str, list[str], list[str], list[int]]:
    """A text, the secrets in it, its lines, and which lines are noise (must stay as they are)."""
    secrets, lines, noise_at = [], [], []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.5:
            noise_at.append(len(lines))
            lines.append(rng.choice(NOISE))
            continue
        value, quoted, url_value = secret(rng), secret(rng, QUOTED), secret(rng, URL_SAFE)
        shape = rng.choice(shapes(rng, value, quoted, url_value))
        secrets += [v for v in (value, quoted, url_value) if v in shape]
        lines.append(f"{rng.choice(['', 'ERROR ', '  E   '])}{shape}")
    return "\n".join(lines), secrets, lines, noise_at


def test_no_secret_survives_and_noise_is_unchanged() -> None:
    rng = random.Random(SEED)
    slowest = 0.0
    for number in range(TEXTS):
        text, secrets, lines, noise_at = generated(rng)
        known = [s for s in secrets if "known value" in text and s in text]
        redactor = Redactor(known)
        began = time.perf_counter()
        out = redactor.text(text)
        slowest = max(slowest, time.perf_counter() - began)
        for value in secrets:
            assert value not in out, f"text {number}: {value!r} survived in {out!r}"
        out_lines = out.split("\n")
        assert len(out_lines) == len(lines), f"text {number}: lines were joined or split"
        for at in noise_at:
            assert out_lines[at] == lines[at], f"text {number}: noise changed: {lines[at]!r}"
        assert redactor.text(out) == out, f"text {number}: a second pass changed it"
    assert slowest < SECONDS_PER_TEXT, f"the slowest text took {slowest:.3f}s"


def test_noise_alone_never_changes() -> None:
    rng = random.Random(SEED + 1)
    redactor = Redactor(["Zq-known-secret-1"])
    for _ in range(500):
        text = "\n".join(rng.choice(NOISE) for _ in range(rng.randint(1, 30)))
        assert redactor.text(text) == text


def test_big_generated_output_is_redacted_in_linear_time() -> None:
    """10 MB of generated output (1 in 5 lines a secret): masked whole, in about a second."""
    rng = random.Random(SEED + 2)
    lines, secrets = [], []
    size = 0
    while size < 10_000_000:
        if rng.random() < 0.2:
            value, quoted, url_value = secret(rng), secret(rng, QUOTED), secret(rng, URL_SAFE)
            line = rng.choice(shapes(rng, value, quoted, url_value)[:13])
            secrets.append((len(lines), [v for v in (value, quoted, url_value) if v in line]))
        else:
            line = rng.choice(NOISE)
        lines.append(line)
        size += len(line) + 1
    text = "\n".join(lines)
    began = time.perf_counter()
    out = Redactor().text(text)
    seconds = time.perf_counter() - began
    assert seconds < 5.0, f"10 MB took {seconds:.2f}s"
    print(f"redacted {len(text) / 1e6:.1f} MB with {len(secrets)} secrets in {seconds:.2f}s")
    out_lines = out.split("\n")
    assert len(out_lines) == len(lines)
    survivors = [v for at, values in secrets for v in values if v in out_lines[at]]
    assert not survivors, f"{len(survivors)} of {len(secrets)} secrets survived: {survivors[:3]}"
