"""The image a ``docker`` service runs: one named (pulled when it is not on this machine) or one
built from the service's build context, tagged by the context's content so an unchanged
context is built once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import docker
from docker.errors import APIError, BuildError, ImageNotFound

from orch.ports import ProvisionError

LOG_LINES = 30
"""Lines of a failing build's log kept in the ProvisionError."""


def named_image(client: docker.DockerClient, service: str, image: str) -> str:
    """``image``, pulled first when it is not on this machine."""
    try:
        client.images.get(image)
        return image
    except ImageNotFound:
        pass
    try:
        client.images.pull(image)
    except APIError as error:
        raise ProvisionError(
            service,
            f"image {image} is not on this machine and could not be pulled "
            f"({error.explanation or error}); build it locally or name an image that is",
        ) from error
    return image


def built_image(client: docker.DockerClient, service: str, context: Path) -> str:
    """The image built from ``context``, tagged ``orch-build/<service>:<content hash>``."""
    if not context.is_dir():
        raise ProvisionError(service, f"build context {context} is not a directory; create it")
    tag = f"orch-build/{service}:{context_hash(context)}"
    try:
        client.images.get(tag)
        return tag
    except ImageNotFound:
        pass
    try:
        client.images.build(path=str(context), tag=tag, rm=True, forcerm=True)
    except BuildError as error:
        lines = [str(part.get("stream") or part.get("error") or "") for part in error.build_log]
        logs = "".join(lines).strip().splitlines()[-LOG_LINES:]
        raise ProvisionError(
            service, f"building {context} failed: {error.msg}", "\n".join(logs)
        ) from error
    except APIError as error:
        raise ProvisionError(
            service, f"building {context} failed: {error.explanation or error}"
        ) from error
    return tag


def context_hash(context: Path) -> str:
    """12 hex digits of the sha256 of every file's relative path and content in ``context``."""
    digest = hashlib.sha256()
    for path in sorted(context.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(context)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
