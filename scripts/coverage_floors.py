"""The coverage floors of the test command: each distribution's figure, and a failure below a floor.

scripts/test runs the suite under coverage.py and combines the data; this reads the combined data
(the ``data_file`` of the root pyproject's ``[tool.coverage.run]``) and its
``[tool.coverage_floors]``::

    default = 90                               # % of lines and branches, every distribution
    packages = { "orch.core.select" = 100 }    # % of lines, every module of the package

It prints one line per workspace distribution (``[tool.uv.workspace] members``) and per package
with its figure, and exits 1 with one line for each one below its floor. Figures are shown rounded
down, so 99.96% of lines reads 99.9%, never 100%.

Usage: ``python scripts/coverage_floors.py [ROOT]`` (ROOT: the workspace, default this script's).
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import tomllib
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import coverage
from coverage.exceptions import NoDataError

WHERE = "[tool.coverage_floors]"


class FloorError(Exception):
    """Bad floors or no data: one line saying what is wrong and what to do."""


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else Path(__file__).resolve().parents[1]).resolve()
    os.chdir(root)  # coverage.py reads data_file and reports file names relative to it
    try:
        floor, packages = _floors(root / "pyproject.toml")
        members = _members(root)
        files = _file_summaries(root)
    except FloorError as error:
        print(f"coverage floors: {error}", file=sys.stderr)
        return 1
    failures = []
    print("coverage of lines and branches by distribution:")
    for name, figure in _by_distribution(files, members).items():
        shown = f"{members[name].relative_to(root)}/*"
        failures += _check(name, figure, floor, "of lines and branches", shown)
    print("coverage of lines by package:")
    for package, line_floor in packages.items():
        figure = _package_lines(files, members, package)
        shown = f"*/{package.replace('.', '/')}*"
        failures += _check(package, figure, line_floor, "of lines", shown)
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


def _check(name: str, figure: float | None, floor: float, what: str, files: str) -> list[str]:
    """Print ``name``'s figure; the failure line when it is missing or below ``floor`` (``files``:
    the pattern of ``coverage report --include`` that shows what is missed)."""
    shown = "no data" if figure is None else f"{_rounded_down(figure)}%"
    print(f"  {name:<28} {shown:>8}   (floor {_number(floor)}%)")
    if figure is None:
        return [f"coverage: {name} has no coverage data: is it under [tool.coverage.run] source?"]
    if figure < floor:
        return [
            f"coverage: {name} is at {_rounded_down(figure)}% {what}, below its floor of "
            f"{_number(floor)}% ({WHERE} in pyproject.toml); what is missed: "
            f"uv run coverage report --include '{files}'"
        ]
    return []


def _floors(pyproject: Path) -> tuple[float, dict[str, float]]:
    """(default floor, {package: line floor}) from ``[tool.coverage_floors]``."""
    table = _toml(pyproject).get("tool", {}).get("coverage_floors", {})
    default = _percent(table.get("default", 90), f"{pyproject}: {WHERE} default")
    packages = table.get("packages", {})
    if not isinstance(packages, dict):
        raise FloorError(f"{pyproject}: {WHERE} packages must be a table of package = percent")
    return default, {
        name: _percent(value, f"{pyproject}: {WHERE} packages.{name}")
        for name, value in packages.items()
    }


def _percent(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise FloorError(f"{where}: {value!r} is not a percentage; write a number from 0 to 100")
    return float(value)


def _members(root: Path) -> dict[str, Path]:
    """Distribution name -> directory of every member of the workspace."""
    workspace = _toml(root / "pyproject.toml").get("tool", {}).get("uv", {}).get("workspace", {})
    members = {}
    for pattern in workspace.get("members", []):
        for pyproject in sorted(root.glob(f"{pattern}/pyproject.toml")):
            name = _toml(pyproject).get("project", {}).get("name")
            if name:
                members[name] = pyproject.parent.resolve()
    if not members:
        raise FloorError(f"{root / 'pyproject.toml'}: [tool.uv.workspace] lists no members")
    return members


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise FloorError(f"{path}: cannot read it ({error})") from None


def _file_summaries(root: Path) -> dict[Path, Mapping[str, int]]:
    """coverage.py's summary of every file in the combined data, by absolute path."""
    cov = coverage.Coverage(config_file=str(root / "pyproject.toml"))
    data_file = root / cov.config.data_file
    cov.load()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "coverage.json"
        try:
            cov.json_report(outfile=str(report), ignore_errors=True)
        except NoDataError:
            raise FloorError(
                f"{data_file}: no coverage data; run scripts/test (it measures, then combines)"
            ) from None
        files = json.loads(report.read_text(encoding="utf-8"))["files"]
    return {(root / name).resolve(): entry["summary"] for name, entry in files.items()}


def _by_distribution(
    files: Mapping[Path, Mapping[str, int]], members: Mapping[str, Path]
) -> dict[str, float | None]:
    """Each member's % of lines and branches covered (None when no file of it was measured)."""
    covered: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for path, summary in files.items():
        owner = _owner(path, members)
        if owner is not None:
            covered[owner] += summary["covered_lines"] + summary.get("covered_branches", 0)
            total[owner] += summary["num_statements"] + summary.get("num_branches", 0)
    return {name: _ratio(covered[name], total[name]) if name in total else None for name in members}


def _package_lines(
    files: Mapping[Path, Mapping[str, int]], members: Mapping[str, Path], package: str
) -> float | None:
    """% of the lines of ``package``'s modules (or of the module so named) covered (None when
    none was measured)."""
    places = [members[name] / "src" / Path(*package.split(".")) for name in members]
    modules = {place.with_suffix(".py") for place in places}
    chosen = [
        summary
        for path, summary in files.items()
        if path in modules or any(path.is_relative_to(place) for place in places)
    ]
    if not chosen:
        return None
    return _ratio(sum(s["covered_lines"] for s in chosen), sum(s["num_statements"] for s in chosen))


def _owner(path: Path, members: Mapping[str, Path]) -> str | None:
    """The member whose directory holds ``path`` (the deepest, should members nest)."""
    holding = [name for name, folder in members.items() if path.is_relative_to(folder)]
    return max(holding, key=lambda name: len(members[name].parts), default=None)


def _ratio(covered: int, total: int) -> float:
    return 100.0 * covered / total if total else 100.0


def _rounded_down(figure: float) -> str:
    return f"{math.floor(figure * 10) / 10:.1f}"


def _number(value: float) -> str:
    return f"{value:g}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
