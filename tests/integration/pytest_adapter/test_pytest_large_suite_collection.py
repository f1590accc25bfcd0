"""Discovery of a large suite, which several ``pytest --collect-only`` processes share (each a
part of the files pytest lists), and a collection pytest itself refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_adapter_projects import write_app

from orch.adapters.pytest.runner import PARALLEL_FROM, PytestRunner, PytestSettings
from orch.ports import EnvironmentProblem

ERROR = "orch:collect-error"
"""The marker of a file that failed to collect."""

LOGGING_CONFTEST = """
    import os
    from pathlib import Path

    def pytest_configure(config):
        with (Path(__file__).parent / "collectors.log").open("a") as log:
            log.write(f"{os.getpid()}\\n")
"""


def large_suite(count: int) -> dict[str, str]:
    """``count`` test files of growing size in nested folders, one that fails to import, and a
    hidden folder of Python files pytest does not collect."""
    files = {"pytest.ini": "[pytest]\n", "conftest.py": LOGGING_CONFTEST}
    for n in range(count):
        tests = "".join(f"\ndef test_{k}():\n    pass\n" for k in range(n % 7 + 1))
        files[f"tests/part{n % 3}/test_m{n}.py"] = tests
    files["tests/part1/test_broken.py"] = "import module_that_does_not_exist\n"
    files["tests/part2/test_group.py"] = "class TestGroup:\n    def test_it(self):\n        pass\n"
    files[".hidden/test_never.py"] = "def test_never():\n    pass\n"
    return files


def pytest_order(root: Path) -> list[str]:
    """The nodeids (and erroring files) plain ``pytest --collect-only -q`` prints, in its order."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    nodeids = [line for line in done.stdout.splitlines() if "::" in line]
    return nodeids + ["tests/part1/test_broken.py"]


def test_a_large_suite_is_collected_in_parts_in_pytest_s_order(tmp_path: Path) -> None:
    app = write_app(tmp_path / "big", large_suite(PARALLEL_FROM + 5))
    expected = pytest_order(app.path)
    (app.path / "collectors.log").unlink()
    found = PytestRunner().discover(app)
    assert [t.nodeid for t in found if ERROR in t.markers] == ["tests/part1/test_broken.py"]
    assert sorted(t.nodeid for t in found) == sorted(expected)
    assert [t.nodeid for t in found if ERROR not in t.markers] == expected[:-1]
    if (os.cpu_count() or 1) > 1:
        collectors = set((app.path / "collectors.log").read_text().split())
        assert len(collectors) > 2, "one process listed the files, several collected them"


def test_a_small_suite_is_collected_by_one_process(tmp_path: Path) -> None:
    app = write_app(tmp_path / "small", large_suite(3))
    found = PytestRunner().discover(app)
    assert len([t for t in found if ERROR not in t.markers]) == 1 + 2 + 3 + 1
    assert len((app.path / "collectors.log").read_text().split()) == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--no-such-option",), "unrecognized arguments: --no-such-option"),
        (("-p", "no_such_plugin_module"), "No module named 'no_such_plugin_module'"),
    ],
)
def test_a_collection_pytest_refuses_is_an_environment_problem_with_its_words(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    app = write_app(tmp_path / "shop", large_suite(2), settings=PytestSettings(args=args))
    with pytest.raises(EnvironmentProblem) as problem:
        PytestRunner().discover(app)
    message = str(problem.value)
    assert message.startswith(f"app 'shop': pytest could not collect tests in {app.path} (exit ")
    assert said in message and "\n" not in message
