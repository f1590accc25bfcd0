"""A real PostgreSQL server for the sink's tests: one per test session (per xdist worker),
started with initdb and pg_ctl on a free port of 127.0.0.1, password authentication; each test
gets a fresh, empty database of it to use as the sink's ``url``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from pg_server import pg_server
from psycopg import sql

from orch.adapters.postgres.sink import PostgresSink


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with pg_server() as url:
        yield url


@pytest.fixture
def base_db(pg_url: str) -> Iterator[str]:
    """A fresh database's URL: the schema a test's environment would have loaded."""
    name = "app_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield pg_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def sink() -> PostgresSink:
    return PostgresSink()


@pytest.fixture
def databases(pg_url: str) -> Callable[[], list[str]]:
    """The names of every database of the server, sorted, now."""

    def names() -> list[str]:
        with psycopg.connect(pg_url) as connection:
            return sorted(
                r[0] for r in connection.execute("SELECT datname FROM pg_database").fetchall()
            )

    return names
