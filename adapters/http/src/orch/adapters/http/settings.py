"""The ``http`` sink's options, read once per call into an ``Api`` and the paths of its
entities: a bad option is one line naming it, and a token is read from the environment variable
the options name, so no secret is ever written in a workflow or an error."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping

from attrs import frozen

from orch.adapters.http.client import Api
from orch.ports.errors import ConfigError

OPTIONS: Mapping[str, str] = {
    "url": "the API's base URL (http://127.0.0.1:8000)",
    "paths": "where each entity is POSTed: users=/api/users,payment_methods=/api/payment-methods "
    "(default /ENTITY)",
    "id_field": "the field of each answer that holds the id the API gave (default id)",
    "token_env": "an environment variable whose value is sent as Authorization: Bearer",
    "timeout": "seconds to wait for each answer (default 10)",
}


@frozen
class Settings:
    api: Api
    paths: Mapping[str, str]
    id_field: str

    def path(self, entity: str) -> str:
        return self.paths.get(entity, "/" + entity)


def _paths(text: str) -> dict[str, str]:
    paths = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        entity, equals, path = item.partition("=")
        if not equals or not entity.strip() or not path.strip().startswith("/"):
            raise ConfigError(f"http sink: option paths: {item!r} is not ENTITY=/path")
        paths[entity.strip()] = path.strip()
    return paths


def _token(options: Mapping[str, str]) -> str | None:
    name = options.get("token_env")
    if not name:
        return None
    token = os.environ.get(name)
    if not token:
        raise ConfigError(f"http sink: option token_env names ${name}, which is not set; export it")
    return token


def _timeout(options: Mapping[str, str]) -> float:
    text = options.get("timeout", "10")
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise ConfigError(f"http sink: option timeout {text!r} is not a number of seconds above 0")
    return seconds


def settings(options: Mapping[str, str]) -> Settings:
    """``options`` read and checked."""
    url = options.get("url", "")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"http sink: option url {url!r} is not an http:// or https:// URL")
    api = Api(url, _token(options), _timeout(options))
    return Settings(api, _paths(options.get("paths", "")), options.get("id_field") or "id")
