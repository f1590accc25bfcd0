"""Images the Docker tests run, built here from what the machine has (no registry is reachable):
a busybox image (Debian's static /bin/busybox, FROM scratch) and a PostgreSQL image (busybox, the
host's PostgreSQL 15 with the shared libraries it links and an entrypoint that behaves as the
official image's does). Each is tagged by a hash of this module and of the programs that go in,
so it is built once per machine and again only when either changes."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker
from docker.errors import ImageNotFound

SERVE = (
    "echo hello $GREETING; mkdir -p /www; echo ok >/www/index.html; exec httpd -f -p 8080 -h /www"
)
"""A busybox shell command that greets, then serves HTTP on 8080."""

BUSYBOX = Path("/bin/busybox")
POSTGRES = Path("/usr/lib/postgresql/15")
POSTGRES_SHARE = Path("/usr/share/postgresql/15")
ZONEINFO = Path("/usr/share/zoneinfo")
NO_JIT = ("bitcode", "llvmjit.so")
"""Left out: the JIT and its LLVM (over 100 MB); the server runs without one when it is absent."""
POSTGRES_UID = 999
"""The uid of the image's postgres user: the server refuses to run as root."""

ENTRYPOINT = """#!/bin/sh
# As the official postgres image: a database POSTGRES_DB owned by POSTGRES_USER (password
# POSTGRES_PASSWORD), made on first start, then the server listening on every address.
set -e
export PATH=/usr/lib/postgresql/15/bin:/bin TZ=UTC
user="${POSTGRES_USER:-postgres}"
database="${POSTGRES_DB:-$user}"
data="${PGDATA:-/var/lib/postgresql/data}"
if [ ! -s "$data/PG_VERSION" ]; then
    printf '%s\\n' "${POSTGRES_PASSWORD:-postgres}" >/tmp/password
    initdb -D "$data" -U "$user" --pwfile=/tmp/password -A scram-sha-256 -E UTF8 --locale=C \\
        --no-sync >/dev/null
    rm /tmp/password
    echo "host all all all scram-sha-256" >>"$data/pg_hba.conf"
    if [ "$database" != postgres ]; then
        echo "CREATE DATABASE \\"$database\\" OWNER \\"$user\\"" \\
            | postgres --single -D "$data" postgres >/dev/null
    fi
fi
exec postgres -D "$data" -c listen_addresses='*' -c fsync=off "$@"
"""

POSTGRES_DOCKERFILE = f"""FROM scratch
COPY rootfs/ /
COPY --chown={POSTGRES_UID}:{POSTGRES_UID} owned/ /
USER postgres
ENV PATH=/usr/lib/postgresql/15/bin:/bin
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
"""

BUSYBOX_DOCKERFILE = """FROM scratch
COPY rootfs/ /
ENV PATH=/bin
CMD ["sh"]
"""


def busybox_image(client: docker.DockerClient) -> str:
    """A FROM scratch image with busybox and its applets on PATH (``sh``, ``httpd``...)."""
    return _built(client, "orch-test/busybox", BUSYBOX_DOCKERFILE, [BUSYBOX])


def postgres_image(client: docker.DockerClient) -> str:
    """A PostgreSQL 15 image taking the official image's POSTGRES_USER/PASSWORD/DB."""
    inputs = [BUSYBOX, POSTGRES / "bin" / "postgres"]
    return _built(client, "orch-test/postgres", POSTGRES_DOCKERFILE, inputs, _postgres_files)


def _built(
    client: docker.DockerClient,
    name: str,
    dockerfile: str,
    inputs: list[Path],
    more: Callable[[Path], None] | None = None,
) -> str:
    """The image ``name`` of busybox and what ``more`` adds to its root, built unless there."""
    digest = hashlib.sha256(Path(__file__).read_bytes())  # the recipe: this module
    for path in inputs:
        digest.update(f"{path}:{path.stat().st_size}:{path.stat().st_mtime_ns}".encode())
    tag = f"{name}:{digest.hexdigest()[:12]}"
    try:
        client.images.get(tag)
        return tag
    except ImageNotFound:
        pass
    with tempfile.TemporaryDirectory(prefix="orch-image-") as context:
        rootfs = Path(context, "rootfs")
        _install_busybox(rootfs)
        if more is not None:
            more(rootfs)
        Path(context, "Dockerfile").write_text(dockerfile)
        client.images.build(path=context, tag=tag, rm=True)
    return tag


def _install_busybox(rootfs: Path) -> None:
    """busybox at /bin with a link per applet, /tmp and /etc's users."""
    (rootfs / "bin").mkdir(parents=True)
    shutil.copy2(BUSYBOX, rootfs / "bin" / "busybox")
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True)
    for applet in applets.stdout.split():
        if applet != "busybox":
            (rootfs / "bin" / applet).symlink_to("busybox")
    (rootfs / "tmp").mkdir(mode=0o1777)
    os.chmod(rootfs / "tmp", 0o1777)
    (rootfs / "etc").mkdir()
    (rootfs / "etc" / "passwd").write_text(
        f"root:x:0:0:root:/root:/bin/sh\npostgres:x:{POSTGRES_UID}:{POSTGRES_UID}::"
        "/var/lib/postgresql:/bin/sh\n"
    )
    (rootfs / "etc" / "group").write_text(f"root:x:0:\npostgres:x:{POSTGRES_UID}:\n")


def _postgres_files(rootfs: Path) -> None:
    """PostgreSQL's programs, libraries, share files and every shared library they link."""
    _copy_tree(POSTGRES, rootfs, ignore=shutil.ignore_patterns(*NO_JIT))
    _copy_tree(POSTGRES_SHARE, rootfs)
    _copy_tree(ZONEINFO, rootfs)
    libraries = [p for p in (POSTGRES / "lib").glob("*.so") if p.name not in NO_JIT]
    programs = [*(POSTGRES / "bin").iterdir(), *libraries]
    for library in _linked(programs):
        target = rootfs / library.relative_to("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            shutil.copy2(library, target)
    entrypoint = rootfs / "usr" / "local" / "bin" / "docker-entrypoint.sh"
    entrypoint.parent.mkdir(parents=True)
    entrypoint.write_text(ENTRYPOINT)
    entrypoint.chmod(0o755)
    for directory in ("var/lib/postgresql", "var/run/postgresql"):
        (rootfs.parent / "owned" / directory).mkdir(parents=True)


def _copy_tree(source: Path, rootfs: Path, ignore: Callable | None = None) -> None:
    shutil.copytree(source, rootfs / source.relative_to("/"), symlinks=True, ignore=ignore)


def _linked(programs: list[Path]) -> set[Path]:
    """Every shared library (and the loader) ``ldd`` names for ``programs``."""
    found = subprocess.run(["ldd", *map(str, programs)], capture_output=True, text=True)
    return {Path(path) for path in re.findall(r"(/\S+\.so[.\d]*)\s+\(", found.stdout)}
