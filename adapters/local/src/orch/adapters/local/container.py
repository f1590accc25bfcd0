"""``isolation: container``: a shard run by ``docker run`` in the foreground, as its process.

The executor starts the docker client as the shard's leader, so what the container prints goes
to the shard's ``output.log`` and its end is the client's. orch-local shells the docker CLI and
does not import orch-docker: an executor must not depend on a provisioner adapter, and the CLI
is what a foreground, attached, signal-proxied run is for.

No registry is needed: the default image is built here, ``FROM scratch`` with nothing inside,
and the machine's ``/usr``, ``/lib*``, ``/bin``, ``/sbin`` and ``/etc`` are mounted read only,
with orch's interpreter (and the folders it imports from), the folders the command names, the
workflow's directory, the application and the scratch at the same paths, so the runner's argv
works unchanged. A user with a registry names an ``image``;
then only orch's paths are mounted, the image must run the runner's command, and the shard's
usage is not measured (``measure.py`` needs the machine's interpreter).

Each container is labelled with the shard's tag and orch's pid: ``remove``/``remove_tagged``
go by the first, the watcher (``container_watch``) that removes them when orch is killed by
the second. Inside, ``measure.py`` runs the command and writes its CPU time and peak memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from orch.adapters.local import measure
from orch.adapters.local.measure import measured
from orch.adapters.local.sandbox import binds
from orch.ports import EnvironmentProblem, Isolation

DEFAULT_IMAGE = "orch-shard:empty"
TAG_LABEL = "orch.shard-tag"
PID_LABEL = "orch.shard-pid"
SYSTEM_PATHS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc")
MEASURE_AT = "/orch-measure.py"
CLIENT_VARIABLES = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH")
"""orch's variables the docker client needs to reach the engine (the container gets none)."""
DOCKER_SECONDS = 60.0

_built: set[str] = set()


def docker_program() -> str:
    found = shutil.which("docker")
    if found is None:
        raise EnvironmentProblem(
            "isolation 'container' needs the docker command and a running engine: install "
            "docker (Debian: apt-get install docker.io) or set the application's isolation "
            "to sandbox or none"
        )
    return found


def container_name(tag: str) -> str:
    """The container of the shard tagged ``tag`` (a tag is too free-form for a name)."""
    return f"orch-shard-{hashlib.sha256(tag.encode()).hexdigest()[:16]}"


def docker(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """One docker command, its output captured; an engine that does not answer in time is an
    EnvironmentProblem."""
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    try:
        return subprocess.run(
            [docker_program(), *args],
            input=stdin,
            capture_output=True,
            timeout=DOCKER_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise EnvironmentProblem(
            f"docker {args[0]} did not answer in {DOCKER_SECONDS:.0f}s: is the engine running?"
        ) from error


def ensure_image(image: str) -> None:
    """Build the default image once per process (only when missing); a named image is the
    user's, pulled by docker when it must be."""
    if image != DEFAULT_IMAGE or image in _built:
        return
    if docker("image", "inspect", image).returncode != 0:
        dockerfile = b"FROM scratch\nLABEL orch.purpose=shard\n"
        built = docker("build", "-q", "-t", image, "-", stdin=dockerfile)
        if built.returncode != 0:
            said = built.stderr.decode(errors="replace").strip().splitlines()
            raise EnvironmentProblem(
                f"cannot build the shard image {image}: {said[-1] if said else 'docker failed'}"
                "; is the Docker engine running (docker info)?"
            )
    _built.add(image)


def run_argv(
    isolation: Isolation,
    cwd: Path,
    scratch: Path,
    tag: str,
    env: Mapping[str, str],
    named: Sequence[str] = (),
) -> list[str]:
    """``docker run`` and its options for a shard; the shard's argv follows (measured inside
    the default image)."""
    image = isolation.image or DEFAULT_IMAGE
    ensure_image(image)
    argv = [docker_program(), "run", "--rm", "--name", container_name(tag)]
    argv += ["--label", f"{TAG_LABEL}={tag}", "--label", f"{PID_LABEL}={os.getpid()}"]
    argv += ["--network", "host" if isolation.network and not isolation.hardened else "none"]
    argv += ["--user", f"{os.getuid()}:{os.getgid()}", "--workdir", str(cwd), "--read-only"]
    argv += ["--tmpfs", "/tmp"]
    if isolation.cpus:
        argv += ["--cpuset-cpus", ",".join(str(cpu) for cpu in isolation.cpus)]
    if isolation.memory:
        argv += ["--memory", str(isolation.memory)]
    if isolation.hardened:
        argv += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    for name in env:
        argv += ["--env", name]  # the value comes from the client's environment: not in argv
    for source, target, writable in _mounts(isolation, scratch, image == DEFAULT_IMAGE, named):
        argv += ["--volume", f"{source}:{target}:{'rw' if writable else 'ro'}"]
    argv.append(image)
    if image == DEFAULT_IMAGE:
        argv += measured(scratch, script=MEASURE_AT)
    return argv


def client_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The docker client's environment: the shard's (which ``--env NAME`` passes on) and what
    the client needs to reach the engine."""
    return {**env, **{name: os.environ[name] for name in CLIENT_VARIABLES if name in os.environ}}


def _mounts(
    isolation: Isolation, scratch: Path, system: bool, named: Sequence[str]
) -> list[tuple[str, str, bool]]:
    """(source, target, writable) of every mount, one per target: the machine's system paths
    (the default image), orch's interpreter and the folders it imports from, the folders the
    command names (none under another mount: a read-only one over the scratch would hide it),
    then the isolation's own binds."""
    own = {str(path): writable for path, writable in binds(isolation, scratch)}
    mounts: dict[str, tuple[str, bool]] = {}
    if system:
        mounts.update((path, (path, False)) for path in SYSTEM_PATHS if os.path.exists(path))
        mounts[MEASURE_AT] = (measure.__file__, False)
    for folder in _folders([sys.prefix, sys.base_prefix, *sys.path, *named]):
        if not any(folder == kept or folder.startswith(kept + "/") for kept in [*mounts, *own]):
            mounts[folder] = (folder, False)
    mounts.update((path, (path, writable)) for path, writable in own.items())
    return [(source, target, writable) for target, (source, writable) in mounts.items()]


def _folders(paths: Iterable[str]) -> list[str]:
    """The existing absolute folders among ``paths`` (a file's folder), shortest first."""
    found = set()
    for path in paths:
        if not path.startswith("/") or path == "/":
            continue
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        if folder != "/" and os.path.isdir(folder):
            found.add(os.path.normpath(folder))
    return sorted(found, key=lambda folder: (folder.count("/"), folder))


def named_paths(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """What the command names that may be a path: its arguments and the parts of its
    variables (``PYTHONPATH=/a:/b``), so the runner's plugins and files are seen in place."""
    return [*argv, *(part for value in env.values() for part in value.split(os.pathsep))]


def remove(tag: str) -> None:
    """Remove the container of the shard tagged ``tag`` (gone already, or no engine that
    answers: nothing to do; its watcher or the next run's reap tries again)."""
    if shutil.which("docker") is not None:
        with contextlib.suppress(EnvironmentProblem):
            docker("rm", "--force", container_name(tag))


def remove_labelled(label: str, matches: Callable[[str], bool]) -> int:
    """Remove every shard container whose ``label``'s value ``matches``; returns how many."""
    if shutil.which("docker") is None:
        return 0
    try:
        return _remove_labelled(label, matches)
    except EnvironmentProblem:
        return 0  # an engine that does not answer holds nothing orch can remove now


def _remove_labelled(label: str, matches: Callable[[str], bool]) -> int:
    listed = docker(
        "ps",
        "--all",
        "--filter",
        f"label={label}",
        "--format",
        f'{{{{.ID}}}} {{{{.Label "{label}"}}}}',
    )
    ids = [
        line.split(" ", 1)[0]
        for line in listed.stdout.decode(errors="replace").splitlines()
        if line.strip() and matches(line.partition(" ")[2])
    ]
    if ids:
        docker("rm", "--force", *ids)
    return len(ids)
