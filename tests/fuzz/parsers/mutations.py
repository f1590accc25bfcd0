"""Seeded generators of hostile JUnit/TestNG result files for the parser fuzz tests.

Every file comes from a ``random.Random`` seeded by the caller, so a failure names an input that
can be made again. Mutations are those issue 8 lists: byte flips, truncation, deleted and
duplicated tags, hostile attribute values, huge counts, entity tricks and odd encodings.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

SECRET = "FUZZ-SECRET-7f3a"
"""Written to a file the entity tricks point at; it must never come out of a parser."""

_TAG = re.compile(rb"<[^<>]{1,200}>")
_ATTRIBUTE = re.compile(rb'(\w[\w-]*)="[^"]*"')

HOSTILE_VALUES = (
    "inf",
    "-inf",
    "nan",
    "1e999",
    "9" * 400,
    "9" * 5000,
    "-0",
    "0x10",
    "",
    " ",
    "&#0;",
    "&#xD800;",
    "&#x1F;",
    "\u202etxt.exe",
    "\u00e9\u4e2d\U0001f600",
    "]]>",
    "&lt;script&gt;",
    "a" * 100_000,
    "99999999999999999999999999999999",
    "\x1b[31mred\x1b[0m",
    "&amp;&quot;&apos;",
)
"""Attribute values no report may repeat raw or choke on (some are invalid XML on purpose)."""


def synthetic_junit(rng: random.Random, cases: int = 12) -> bytes:
    """A small JUnit file of every outcome, nested suites and suite output."""
    kinds = [
        "",
        '<failure message="expected 3 but was {n}" type="AssertionError">trace {n}</failure>',
        '<error message="boom" type="java.net.ConnectException">Connection refused</error>',
        '<skipped message="later"/>',
        '<flakyFailure message="flaky" type="X">once</flakyFailure>',
        '<failure message="a"/><rerunFailure message="b">again</rerunFailure>',
        "<system-out>out {n}</system-out><system-err>err</system-err>",
    ]
    body = "".join(
        f'<testcase classname="shop.C{n % 3}" name="t{n}" time="{rng.random():.3f}">'
        + rng.choice(kinds).format(n=n)
        + "</testcase>"
        for n in range(cases)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="all">'
        f'<testsuite name="outer" tests="{cases}"><testsuite name="inner">{body}</testsuite>'
        "<system-out>suite output</system-out></testsuite></testsuites>\n"
    ).encode()


def _flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def _delete_tag(rng: random.Random, data: bytes) -> bytes:
    tags = list(_TAG.finditer(data))
    for match in rng.sample(tags, min(len(tags), rng.randint(1, 3))):
        data = data.replace(match.group(), b"", 1)
    return data


def _duplicate_tag(rng: random.Random, data: bytes) -> bytes:
    tags = list(_TAG.finditer(data))
    match = rng.choice(tags)
    return data[: match.end()] + match.group() * rng.randint(1, 50) + data[match.end() :]


def _hostile_attribute(rng: random.Random, data: bytes) -> bytes:
    attributes = list(_ATTRIBUTE.finditer(data))
    for match in rng.sample(attributes, min(len(attributes), rng.randint(1, 6))):
        value = rng.choice(HOSTILE_VALUES).replace('"', "&quot;")
        data = data.replace(match.group(), match.group(1) + b'="' + value.encode() + b'"', 1)
    return data


def _huge_counts(rng: random.Random, data: bytes) -> bytes:
    huge = rng.choice([b"9" * 400, b"1e999", b"-1", b"18446744073709551616", b"nan"])
    return re.sub(
        rb'\b(tests|failures|errors|skipped|total|time|duration-ms)="[^"]*"',
        lambda m: m.group(1) + b'="' + huge + b'"',
        data,
    )


def _entities(secret: Path) -> list[bytes]:
    laughs = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 12)
    ]
    return [
        f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode(),
        f'<!DOCTYPE x [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>'.encode(),
        f"<!DOCTYPE x [{''.join(laughs)}]>".encode(),
        b'<!DOCTYPE x [<!ENTITY a "&b;"><!ENTITY b "&a;">]>',
        b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/junit.dtd">',
        f'<!DOCTYPE x PUBLIC "-//X//DTD//EN" "file://{secret}">'.encode(),
        b'<!DOCTYPE x [<!ENTITY big "' + b"x" * 50_000 + b'">]>',
    ]


def _entity_trick(rng: random.Random, data: bytes, secret: Path) -> bytes:
    doctype = rng.choice(_entities(secret))
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
    reference = rng.choice([b"&xxe;", b"&l11;", b"&a;", b"&big;" * 200, b"&undefined;", b"&p;"])
    tags = list(_TAG.finditer(body))
    if tags and rng.random() < 0.8:
        at = rng.choice(tags).end()
        body = body[:at] + reference + body[at:]
    if rng.random() < 0.3:
        body = _ATTRIBUTE.sub(lambda m: m.group(1) + b'="' + reference + b'"', body, count=2)
    return doctype + b"\n" + body


def _encoding(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    bare = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    choice = rng.randrange(7)
    if choice == 0:
        return text.encode("utf-16")  # with BOM
    if choice == 1:
        return ('<?xml version="1.0" encoding="UTF-16LE"?>' + bare).encode("utf-16-le")
    if choice == 2:
        return ('<?xml version="1.0" encoding="ISO-8859-1"?>' + bare).encode("utf-8")
    if choice == 3:
        return ('<?xml version="1.0" encoding="no-such-codec"?>' + bare).encode("utf-8")
    if choice == 4:
        return bare.replace("t1", "t\u00e9").encode("latin-1", errors="replace")
    if choice == 5:
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-32")


def _deep(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([300, 3000, 10_000])
    return (
        b"<testsuites>"
        + b'<testsuite name="s">' * depth
        + b'<testcase classname="a" name="deep"/>'
        + b"</testsuite>" * depth
        + b"</testsuites>"
    )


Mutation = Callable[[random.Random, bytes], bytes]


def mutations(secret: Path) -> list[tuple[str, Mutation]]:
    """Every mutation by name; the entity tricks point at ``secret``."""
    return [
        ("flip", _flip_bytes),
        ("truncate", _truncate),
        ("delete-tag", _delete_tag),
        ("duplicate-tag", _duplicate_tag),
        ("hostile-attribute", _hostile_attribute),
        ("huge-counts", _huge_counts),
        ("entity", lambda rng, data: _entity_trick(rng, data, secret)),
        ("encoding", _encoding),
        ("deep", _deep),
    ]


def mutated_files(
    seeds: list[tuple[str, bytes]], secret: Path, count: int, seed: int
) -> Iterator[tuple[str, bytes]]:
    """``count`` (name, content) pairs, each a seed file put through one to three mutations."""
    rng = random.Random(seed)
    kinds = mutations(secret)
    for number in range(count):
        seed_name, data = seeds[number % len(seeds)]
        names = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            name, mutate = kinds[rng.randrange(len(kinds))]
            data = mutate(rng, data) if data else data
            names.append(name)
        yield f"{number:03d}-{seed_name}-{'+'.join(names)}", data


def write_big_junit(path: Path, cases: int, pad: int = 0) -> Path:
    """A JUnit file of ``cases`` tests of every outcome in suites of 1,000, each failing test
    with ``pad`` characters of trace and output; written in batches, so it takes a second."""
    trace = "\tat com.shop.Orders.cancel(Orders.java:42)\n" * (pad // 44 + 1)
    kinds = [
        '<testcase classname="com.shop.OrdersTest" name="places_{n}" time="0.003"/>\n',
        '<testcase classname="com.shop.OrdersTest" name="cancels_{n}" time="1.5">'
        '<failure message="expected 200 but was 500" type="java.lang.AssertionError">'
        f"{trace[:pad]}</failure><system-out>{'o' * pad}</system-out></testcase>\n",
        '<testcase classname="com.shop.OrdersTest" name="refunds_{n}"><skipped/></testcase>\n',
        '<testcase classname="com.shop.OrdersTest" name="pays_{n}"><error message="down"/>'
        "</testcase>\n",
    ]
    weights = [0, 0, 0, 0, 0, 0, 1, 1, 2, 3]  # 6 passed, 2 failed, 1 skipped, 1 error per ten
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="big">\n')
        for start in range(0, cases, 1000):
            out.write(f'<testsuite name="suite{start}">\n')
            stop = min(start + 1000, cases)
            out.write("".join(kinds[weights[n % 10]].format(n=n) for n in range(start, stop)))
            out.write("<system-out>suite output</system-out></testsuite>\n")
        out.write("</testsuites>\n")
    return path
