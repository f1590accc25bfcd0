"""The wheels of every workspace member: PEP 420 namespace intact, entry points and dependencies.

The wheels are built the way any PEP 517 frontend builds them (each member's declared backend and
its ``build_wheel`` hook, straight from the source tree), but in one process that ``uv run``
provides with the build requirements: about 1 s, where ``uv build --all-packages`` takes 4-12 s
because it makes an isolated environment and a new interpreter for each member.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import tomllib
import zipfile
from collections.abc import Iterator
from email.parser import HeaderParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE_INITS = ("orch/__init__.py", "orch/adapters/__init__.py")
DEFAULT_DEPENDENCIES = {
    "orch-core",
    "orch-local",
    "orch-git",
    "orch-pytest",
    "orch-junit",
    "orch-docker",
}

# A minimal PEP 517 frontend: argv is the output directory, then (directory, backend) pairs.
BUILD_WHEELS = """
import importlib, os, sys
for directory, backend in zip(sys.argv[2::2], sys.argv[3::2]):
    module, _, name = backend.partition(":")
    hooks = importlib.import_module(module)
    hooks = getattr(hooks, name) if name else hooks
    os.chdir(directory)
    hooks.build_wheel(sys.argv[1])
"""


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _members() -> dict[str, Path]:
    """Distribution name -> directory, for every member the root pyproject's workspace lists."""
    workspace = _pyproject(ROOT)["tool"]["uv"]["workspace"]
    members = {}
    for pattern in workspace["members"]:
        for pyproject in sorted(ROOT.glob(f"{pattern}/pyproject.toml")):
            members[_normalise(_pyproject(pyproject.parent)["project"]["name"])] = pyproject.parent
    return members


def _pyproject(directory: Path) -> dict:
    return tomllib.loads((directory / "pyproject.toml").read_text())


MEMBERS = _members()
ADAPTERS = sorted(n for n, d in MEMBERS.items() if d.parent == ROOT / "adapters")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, zipfile.ZipFile]]:
    """Distribution name -> its freshly built wheel."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not on PATH; the packaging test builds the wheels with it")
    out = tmp_path_factory.mktemp("wheels")
    requirements, members = set(), []
    for directory in MEMBERS.values():
        build_system = _pyproject(directory)["build-system"]
        requirements.update(build_system["requires"])
        members += [str(directory), build_system["build-backend"]]
    withs = [arg for requirement in sorted(requirements) for arg in ("--with", requirement)]
    done = subprocess.run(
        [uv, "run", "--quiet", "--no-project", "--isolated", *withs, "python", "-c"]
        + [BUILD_WHEELS, str(out), *members],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"building the wheels failed:\n{done.stderr}"
    built = {_normalise(w.name.split("-")[0]): zipfile.ZipFile(w) for w in out.glob("*.whl")}
    yield built
    for archive in built.values():
        archive.close()


def _dist_info(wheel: zipfile.ZipFile, name: str) -> str | None:
    """The text of ``name`` in the wheel's .dist-info directory, or None."""
    for entry in wheel.namelist():
        if entry.endswith(f".dist-info/{name}") and entry.count("/") == 1:
            return wheel.read(entry).decode()
    return None


def _entry_points(wheel: zipfile.ZipFile) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.optionxform = str  # entry names are case-sensitive
    parser.read_string(_dist_info(wheel, "entry_points.txt") or "")
    return parser


def test_every_workspace_member_builds_a_wheel(wheels: dict[str, zipfile.ZipFile]) -> None:
    assert sorted(wheels) == sorted(MEMBERS)


@pytest.mark.parametrize("member", sorted(MEMBERS))
def test_no_wheel_ships_a_namespace_package_init(
    wheels: dict[str, zipfile.ZipFile], member: str
) -> None:
    shipped = [path for path in NAMESPACE_INITS if path in wheels[member].namelist()]
    assert not shipped, f"{member} ships {shipped}: orch and orch.adapters are PEP 420 namespaces"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapter_wheels_register_in_the_orch_entry_point_group(
    wheels: dict[str, zipfile.ZipFile], adapter: str
) -> None:
    entry_points = _entry_points(wheels[adapter])
    assert entry_points.has_section("orch"), f"{adapter} declares no entry point in group 'orch'"
    assert list(entry_points["orch"]), f"{adapter}'s 'orch' entry-point group is empty"


def test_the_orch_distribution_has_the_command_and_the_default_adapters(
    wheels: dict[str, zipfile.ZipFile],
) -> None:
    orch = wheels["orch"]
    scripts = _entry_points(orch)
    assert scripts.has_section("console_scripts") and "orch" in scripts["console_scripts"]
    metadata = HeaderParser().parsestr(_dist_info(orch, "METADATA") or "")
    requires = {
        _normalise(re.match(r"[A-Za-z0-9._-]+", r).group())
        for r in metadata.get_all("Requires-Dist") or []
        if "extra ==" not in r
    }
    missing = DEFAULT_DEPENDENCIES - requires
    assert not missing, f"the orch distribution does not depend on {sorted(missing)}"
