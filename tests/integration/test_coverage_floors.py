"""scripts/coverage_floors.py on a small workspace measured by real coverage.py runs.

Each test writes two distributions (``demo-alpha``, ``demo-beta``), runs a driver under
``coverage run`` (branch measurement, as scripts/test does) and reads what the floor script prints
and its exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "coverage_floors.py"

MEMBERS = ("alpha", "beta")

SIGN = """\
def sign(number):
    if number < 0:
        return -1
    return 1
"""


def workspace(root: Path, floors: str, driver: str) -> Path:
    """A workspace of two members with ``floors`` as its [tool.coverage_floors], measured running
    ``driver`` (which may import ``demo.alpha.sel`` and ``demo.beta.calc``)."""
    files = {
        "pyproject.toml": f"""\
            [tool.uv.workspace]
            members = ["pkgs/*"]

            [tool.coverage.run]
            branch = true
            data_file = ".coverage-data/coverage"
            source = ["pkgs/alpha/src", "pkgs/beta/src"]

            [tool.coverage_floors]
            {floors}
            """,
        "pkgs/alpha/pyproject.toml": '[project]\nname = "demo-alpha"\n',
        "pkgs/alpha/src/demo/alpha/__init__.py": "",
        "pkgs/alpha/src/demo/alpha/sel.py": SIGN,
        "pkgs/beta/pyproject.toml": '[project]\nname = "demo-beta"\n',
        "pkgs/beta/src/demo/beta/__init__.py": "",
        "pkgs/beta/src/demo/beta/calc.py": SIGN,
        "driver.py": driver,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    env = unmeasured_environment()
    env["PYTHONPATH"] = os.pathsep.join(
        str(root / f"pkgs/{name}/src") for name in ("alpha", "beta")
    )
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--rcfile", "pyproject.toml", "driver.py"],
        cwd=root,
        env=env,
        check=True,
    )
    return root


def unmeasured_environment() -> dict[str, str]:
    """This environment without coverage.py's variables: the small workspace's data is its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def floors(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)],
        capture_output=True,
        text=True,
        check=False,
        env=unmeasured_environment(),
    )


BOTH_SIGNS = """\
    from demo.alpha.sel import sign as alpha
    from demo.beta.calc import sign as beta
    alpha(-1), alpha(1), beta(-1), beta(1)
    """


def test_everything_at_its_floor_passes_and_shows_each_figure(tmp_path: Path) -> None:
    root = workspace(tmp_path, 'default = 90\npackages = { "demo.alpha.sel" = 100 }', BOTH_SIGNS)
    done = floors(root)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    figures = [line.split() for line in done.stdout.splitlines() if line.startswith("  ")]
    assert figures == [
        ["demo-alpha", "100.0%", "(floor", "90%)"],
        ["demo-beta", "100.0%", "(floor", "90%)"],
        ["demo.alpha.sel", "100.0%", "(floor", "100%)"],
    ]


def test_a_distribution_below_the_floor_fails_naming_it_its_figure_and_the_floor(
    tmp_path: Path,
) -> None:
    driver = """\
        from demo.alpha.sel import sign as alpha
        from demo.beta.calc import sign as beta
        alpha(-1), alpha(1), beta(1)
        """
    done = floors(workspace(tmp_path, "default = 90", driver))
    assert done.returncode == 1
    # beta: 3 of 4 lines and 1 of 2 branches, 66.67% shown rounded down
    assert "demo-beta                       66.6%" in done.stdout
    assert done.stderr.splitlines() == [
        "coverage: demo-beta is at 66.6% of lines and branches, below its floor of 90% "
        "([tool.coverage_floors] in pyproject.toml); what is missed: "
        "uv run coverage report --include 'pkgs/beta/*'"
    ]


def test_a_package_line_floor_counts_lines_only_and_never_rounds_up_to_it(
    tmp_path: Path,
) -> None:
    driver = """\
        from demo.alpha.sel import sign as alpha
        from demo.beta.calc import sign as beta
        alpha(1), beta(-1), beta(1)
        """
    done = floors(workspace(tmp_path, 'default = 50\npackages = { "demo.alpha" = 100 }', driver))
    assert done.returncode == 1
    # alpha: 3 of 4 lines (75%), 1 of 2 branches: 66.6% of both, above the floor of 50
    assert "demo-alpha                      66.6%" in done.stdout
    assert done.stderr.startswith(
        "coverage: demo.alpha is at 75.0% of lines, below its floor of 100% "
    )
    assert done.stderr.endswith("uv run coverage report --include '*/demo/alpha*'\n")


def test_a_package_the_data_does_not_hold_fails(tmp_path: Path) -> None:
    root = workspace(tmp_path, 'packages = { "demo.gamma" = 100 }', BOTH_SIGNS)
    done = floors(root)
    assert done.returncode == 1
    assert "demo.gamma                    no data" in done.stdout
    assert done.stderr == (
        "coverage: demo.gamma has no coverage data: is it under [tool.coverage.run] source?\n"
    )


@pytest.mark.parametrize(
    ("table", "where", "value"),
    [
        ("default = 190", "default", "190"),
        ('default = "90%"', "default", "'90%'"),
        ('packages = { "demo.alpha" = true }', "packages.demo.alpha", "True"),
    ],
)
def test_a_floor_that_is_not_a_percentage_is_one_line_naming_it(
    tmp_path: Path, table: str, where: str, value: str
) -> None:
    root = workspace(tmp_path, table, BOTH_SIGNS)
    done = floors(root)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"coverage floors: {root / 'pyproject.toml'}: [tool.coverage_floors] {where}: "
        f"{value} is not a percentage; write a number from 0 to 100\n"
    )


def test_no_data_file_says_how_to_make_one(tmp_path: Path) -> None:
    root = workspace(tmp_path, "default = 90", BOTH_SIGNS)
    (root / ".coverage-data" / "coverage").unlink()
    done = floors(root)
    assert done.returncode == 1
    assert done.stderr == (
        f"coverage floors: {root / '.coverage-data/coverage'}: no coverage data; "
        "run scripts/test (it measures, then combines)\n"
    )
