"""The static test finder: the nodeids pytest would collect, found without importing anything,
and the pytest settings that decide them, read from the files pytest reads."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from wall_clock import budget

from orch.adapters.pytest.analysis.imports import ImportGraph
from orch.adapters.pytest.analysis.pytests import (
    DEFAULT_FILES,
    changed_fixtures,
    defines_fixtures,
    find_tests,
    is_conftest,
    is_test_file,
    read_pytest_config,
)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


MODULE = '''
    """A module with every shape of test.

    def test_in_docstring(): ...
    """
    import pytest
    import unittest


    def helper():
        def test_nested_in_a_function():
            pass


    def test_plain():
        code = """
    def test_in_a_string():
        pass
    """


    @pytest.mark.parametrize("x", [1, 2])
    async def test_async(x):
        pass


    if True:
        def test_under_if():
            pass


    def test_multi_line_header(
        a=1,
    ):
        def test_nested():
            pass


    class TestOuter:
        def test_method(self):
            pass

        @staticmethod
        def test_static():
            pass

        def helper(self):
            pass

        class TestInner:
            def test_deep(self):
                pass

        class NotATest:
            def test_ignored(self):
                pass


    class TestWithInit:
        def __init__(self):
            pass

        def test_not_collected(self):
            pass


    class TestDisabled:
        __test__ = False

        def test_not_collected(self):
            pass


    class Base:
        def test_inherited(self):
            pass


    class TestChild(Base):
        def test_own(self):
            pass


    class Cases(unittest.TestCase):
        def test_unittest(self):
            pass

        def helper(self):
            pass


    def test_plain():  # redefined: collected once
        pass
'''

EXPECTED = [
    "tests/test_shapes.py::test_plain",
    "tests/test_shapes.py::test_async",
    "tests/test_shapes.py::test_under_if",
    "tests/test_shapes.py::test_multi_line_header",
    "tests/test_shapes.py::TestOuter::test_method",
    "tests/test_shapes.py::TestOuter::test_static",
    "tests/test_shapes.py::TestOuter::TestInner::test_deep",
    "tests/test_shapes.py::TestChild::test_inherited",
    "tests/test_shapes.py::TestChild::test_own",
    "tests/test_shapes.py::Cases::test_unittest",
]


def test_the_finder_sees_what_pytest_collects(tmp_path):
    write(tmp_path, {"tests/test_shapes.py": MODULE})
    found = find_tests(tmp_path, ["tests/test_shapes.py"])
    assert found == {"tests/test_shapes.py": EXPECTED}


def test_the_finder_agrees_with_a_real_pytest_collection(tmp_path):
    write(tmp_path, {"tests/test_shapes.py": MODULE, "pytest.ini": "[pytest]\n"})
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    nodeids = [line.split("[")[0] for line in collected.splitlines() if "::" in line]
    assert list(dict.fromkeys(nodeids)) == EXPECTED
    assert find_tests(tmp_path, ["tests/test_shapes.py"])["tests/test_shapes.py"] == EXPECTED


def test_tests_inherited_from_a_base_class_in_another_module_are_found(tmp_path):
    write(
        tmp_path,
        {
            "testing/src/kit/__init__.py": "",
            "testing/src/kit/contracts.py": """
                class StoreContract:
                    def test_saves(self, store): ...
                    def test_loads(self, store): ...
            """,
            "tests/test_store.py": """
                from kit.contracts import StoreContract
                class TestMemoryStore(StoreContract):
                    def test_own(self): ...
            """,
        },
    )
    graph = ImportGraph.build(tmp_path)
    assert find_tests(tmp_path, ["tests/test_store.py"], imported=graph.imports_of) == {
        "tests/test_store.py": [
            "tests/test_store.py::TestMemoryStore::test_saves",
            "tests/test_store.py::TestMemoryStore::test_loads",
            "tests/test_store.py::TestMemoryStore::test_own",
        ]
    }
    without_imports = find_tests(tmp_path, ["tests/test_store.py"])
    assert without_imports["tests/test_store.py"] == [
        "tests/test_store.py::TestMemoryStore::test_own"
    ]


def test_options_come_from_the_app_pytest_config(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.pytest.ini_options]
                python_files = ["check_*.py"]
                python_classes = ["Suite", "*Checks"]
                python_functions = "check_ verify_*"
            """,
            "checks/check_a.py": """
                def check_one(): pass
                def test_not_a_check(): pass
                def verify_two(): pass
                class Suite:
                    def check_three(self): pass
                class DiskChecks:
                    def check_four(self): pass
            """,
            "checks/test_b.py": "def test_x(): pass\n",
        },
    )
    found = find_tests(tmp_path, ["checks/check_a.py", "checks/test_b.py"])
    assert found == {
        "checks/check_a.py": [
            "checks/check_a.py::check_one",
            "checks/check_a.py::verify_two",
            "checks/check_a.py::Suite::check_three",
            "checks/check_a.py::DiskChecks::check_four",
        ]
    }


def test_explicit_options_win_over_the_config(tmp_path):
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\npython_functions = check_\n",
            "test_a.py": "def check_x(): pass\ndef test_y(): pass\n",
        },
    )
    assert find_tests(tmp_path, ["test_a.py"], python_functions=["test"]) == {
        "test_a.py": ["test_a.py::test_y"]
    }


def test_missing_and_non_test_files_are_left_out(tmp_path):
    write(tmp_path, {"src/app.py": "def test_lookalike(): pass\n", "test_empty.py": ""})
    found = find_tests(tmp_path, ["src/app.py", "test_gone.py", "test_empty.py"])
    assert found == {"test_empty.py": []}


def test_is_test_file_follows_pytest_file_patterns():
    assert is_test_file("tests/test_a.py")
    assert is_test_file("tests/a_test.py")
    assert not is_test_file("tests/helpers.py")
    assert not is_test_file("tests/conftest.py")
    assert not is_test_file("test_dir/helpers.py")
    assert not is_test_file("tests/test_data.txt")
    assert is_test_file("checks/check_a.py", ["check_*.py"])
    assert is_test_file("suite/unit/a.py", ["unit/*.py"])
    assert not is_test_file("suite/other/a.py", ["unit/*.py"])


def test_config_files_are_read_in_pytest_order_and_found_upward(tmp_path):
    write(
        tmp_path,
        {
            "pytest.ini": "[pytest]\npython_files = from_ini_*.py\npythonpath = lib src\n",
            "pyproject.toml": '[tool.pytest.ini_options]\npython_files = ["from_toml_*.py"]\n',
            "app/setup.cfg": "[metadata]\nname = x\n",
        },
    )
    config = read_pytest_config(tmp_path / "app")
    assert config.file == tmp_path / "pytest.ini"
    assert config.python_files == ("from_ini_*.py",)
    assert config.pythonpath == (tmp_path / "lib", tmp_path / "src")


def test_every_config_file_kind_is_understood(tmp_path):
    cases = {
        "pytest.toml": '[pytest]\npython_files = ["a_*.py"]\n',
        "pyproject.toml": '[tool.pytest]\npython_files = ["a_*.py"]\n',
        "tox.ini": "[pytest]\npython_files = a_*.py\n",
        "setup.cfg": "[tool:pytest]\npython_files = a_*.py\n",
        ".pytest.ini": "[pytest]\npython_files = a_*.py\n",
    }
    for name, text in cases.items():
        root = write(tmp_path / name, {name: text})
        assert read_pytest_config(root).python_files == ("a_*.py",), name


def test_without_config_or_with_a_broken_one_pytest_defaults_apply(tmp_path):
    assert read_pytest_config(tmp_path).python_files == DEFAULT_FILES
    write(tmp_path, {"pyproject.toml": "not [ toml"})
    assert read_pytest_config(tmp_path).file is None


def test_finding_tests_in_500_files_is_fast(tmp_path):
    body = "".join(
        f"\n@pytest.mark.parametrize('x', [1, 2])\ndef test_{i}(x):\n    '''Doc.'''\n    assert x\n"
        for i in range(8)
    )
    cls = "\nclass TestGroup:\n    def test_one(self):\n        assert True\n"
    files = {f"tests/d{n % 10}/test_{n}.py": "import pytest\n" + body + cls for n in range(500)}
    write(tmp_path, files)
    started = time.perf_counter()
    found = find_tests(tmp_path, files)
    elapsed = time.perf_counter() - started
    print(f"\nfind_tests on 500 files: {elapsed:.3f} s")
    assert sum(len(nodeids) for nodeids in found.values()) == 500 * 9
    assert elapsed < budget(1.0)


CONFTEST = """\
import pytest

LIMIT = 100


@pytest.fixture(scope="session")
def settings():
    return {"limit": LIMIT}


@fixture
def plain():
    return 1


@pytest.fixture(name="db")
def _database():
    return None


def helper():
    return 2
"""


def test_changed_fixtures_names_the_fixtures_holding_every_changed_line():
    assert changed_fixtures(CONFTEST, [(8, 8)]) == {"settings"}
    assert changed_fixtures(CONFTEST, [(6, 6), (13, 13)]) == {"settings", "plain"}  # decorator too


def test_changed_fixtures_is_none_where_a_name_cannot_tell_the_tests():
    assert changed_fixtures(CONFTEST, [(3, 3)]) is None  # module level
    assert changed_fixtures(CONFTEST, [(8, 8), (23, 23)]) is None  # and a helper
    assert changed_fixtures(CONFTEST, [(18, 18)]) is None  # renamed with name=
    assert changed_fixtures(CONFTEST, []) is None
    assert changed_fixtures("def broken(:\n", [(1, 1)]) is None


def test_defines_fixtures_and_is_conftest():
    assert defines_fixtures(CONFTEST) and not defines_fixtures("def fixture_like():\n    pass\n")
    assert is_conftest("conftest.py") and is_conftest("tests/conftest.py")
    assert not is_conftest("tests/my_conftest.py")
