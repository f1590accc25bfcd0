"""The static import graph: every import form resolves to files of the tree, the conftests pytest
loads count as dependencies, a change reaches its importers with the chain that explains it, and
the cache makes an unchanged rebuild a walk of the tree."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from wall_clock import budget

from orch.adapters.pytest.analysis.imports import (
    Impact,
    ImportGraph,
    extract_imports,
    outside_roots,
)


def tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` under ``root``, dated an hour ago (so the cache trusts them)."""
    past = time.time_ns() - 3600 * 10**9
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, ns=(past, past))
    return root


def build(root: Path, files: dict[str, str], cache: Path | None = None) -> ImportGraph:
    return ImportGraph.build(tree(root, files), cache)


# -- the import forms ---------------------------------------------------------------------------


def test_import_of_a_dotted_module_depends_on_every_package_init_on_the_way(tmp_path):
    graph = build(
        tmp_path,
        {
            "a/__init__.py": "",
            "a/b/__init__.py": "",
            "a/b/c.py": "",
            "main.py": "import a.b.c\n",
            "alias.py": "import a.b as x\n",
        },
    )
    assert graph.imports_of("main.py") == {"a/__init__.py", "a/b/__init__.py", "a/b/c.py"}
    assert graph.imports_of("alias.py") == {"a/__init__.py", "a/b/__init__.py"}


def test_from_import_reaches_a_submodule_a_subpackage_or_the_package_init(tmp_path):
    graph = build(
        tmp_path,
        {
            "a/__init__.py": "",
            "a/b/__init__.py": "from .impl import name\n",
            "a/b/impl.py": "name = 1\n",
            "a/b/c.py": "",
            "a/b/sub/__init__.py": "",
            "user.py": "from a.b import c, sub as s, name\n",
        },
    )
    assert graph.imports_of("user.py") == {
        "a/__init__.py",
        "a/b/__init__.py",
        "a/b/c.py",
        "a/b/sub/__init__.py",
    }
    assert graph.imports_of("a/b/__init__.py") == {"a/b/impl.py"}


def test_a_re_exported_name_reaches_its_module_through_the_init(tmp_path):
    graph = build(
        tmp_path,
        {
            "src/payment/__init__.py": "from .processor import charge\n",
            "src/payment/processor.py": "def charge(): ...\n",
            "tests/test_pay.py": "from payment import charge\n",
        },
    )
    impact = graph.importers_of(["src/payment/processor.py"])["tests/test_pay.py"]
    assert impact == Impact(
        "tests/test_pay.py", "src/payment/processor.py", ("src/payment/__init__.py",), False
    )


def test_relative_imports_at_several_levels(tmp_path):
    graph = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/util.py": "",
            "pkg/other/__init__.py": "",
            "pkg/other/mod.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/sibling.py": "",
            "pkg/sub/deep/__init__.py": "",
            "pkg/sub/deep/leaf.py": (
                "from . import x\n"
                "from .. import sibling\n"
                "from ...other.mod import y\n"
                "from ... import util\n"
                "from .....too_far import z\n"
            ),
        },
    )
    assert graph.imports_of("pkg/sub/deep/leaf.py") == {
        "pkg/sub/deep/__init__.py",
        "pkg/sub/__init__.py",
        "pkg/sub/sibling.py",
        "pkg/__init__.py",
        "pkg/other/__init__.py",
        "pkg/other/mod.py",
        "pkg/util.py",
    }


def test_string_literal_dynamic_imports_count(tmp_path):
    graph = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "",
            "pkg/b.py": "",
            "pkg/c.py": "",
            "pkg/d.py": "",
            "pkg/e.py": "",
            "pkg/loader.py": (
                "import importlib\n"
                "def load():\n"
                "    importlib.import_module('pkg.a')\n"
                '    __import__("pkg.b")\n'
                "    importlib.import_module('.c', package=__package__)\n"
                "    importlib.import_module(computed)\n"
            ),
            "tests/test_x.py": (
                "def test_x(mocker, monkeypatch):\n"
                "    mocker.patch('pkg.d.function')\n"
                "    monkeypatch.setattr('pkg.e.CONSTANT', 1)\n"
            ),
        },
    )
    assert graph.imports_of("pkg/loader.py") == {
        "pkg/__init__.py",
        "pkg/a.py",
        "pkg/b.py",
        "pkg/c.py",
    }
    assert graph.imports_of("tests/test_x.py") == {"pkg/__init__.py", "pkg/d.py", "pkg/e.py"}


def test_conditional_and_local_imports_count(tmp_path):
    graph = build(
        tmp_path,
        {
            "fast.py": "",
            "slow.py": "",
            "late.py": "",
            "typed.py": "",
            "main.py": (
                "try:\n"
                "    import fast as impl\n"
                "except ImportError:\n"
                "    import slow as impl\n"
                "if TYPE_CHECKING: from typed import T\n"
                "def f():\n"
                "    import late\n"
            ),
        },
    )
    assert graph.imports_of("main.py") == {"fast.py", "slow.py", "late.py", "typed.py"}


def test_statement_shapes_the_scanner_reads():
    text = (
        "from a.b import (c,  # comment with ) inside\n"
        "    d as e)\n"
        "import x.y as z, w\n"
        "from m \\\n"
        "    import n\n"
        "v = 1; import s1; from s2 import t\n"
        "# import commented_out\n"
        "x = 'not an import'  # import also_commented\n"
        "from.rel import r\n"
        "pytest_plugins = ['plug.one', \"plug.two\"]\n"
        "from zipimport import zipimporter\n"
        "# from old import (gone,\n"
        "#     also_gone)\n"
        "from kept import (\n    one,\n)\n"
        "from cont import \\\n    (two, three)\n"
    )
    assert set(extract_imports(text)) == {
        (0, "a.b", ("c", "d")),
        (0, "x.y", ()),
        (0, "w", ()),
        (0, "m", ("n",)),
        (0, "s1", ()),
        (0, "s2", ("t",)),
        (1, "rel", ("r",)),
        (0, "plug.one", ()),
        (0, "plug.two", ()),
        (0, "zipimport", ("zipimporter",)),
        (0, "kept", ("one",)),
        (0, "cont", ("two", "three")),
    }


def test_windows_line_endings_and_a_byte_order_mark_are_read(tmp_path):
    (tmp_path / "dep.py").write_text("")
    (tmp_path / "main.py").write_bytes(b"\xef\xbb\xbfimport dep\r\nfrom dep import (\r\n x)\r\n")
    assert ImportGraph.build(tmp_path).imports_of("main.py") == {"dep.py"}


# -- source roots -------------------------------------------------------------------------------


def test_src_layout_and_pythonpath_from_the_pytest_config(tmp_path):
    graph = build(
        tmp_path,
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["lib", "."]\n',
            "src/core/__init__.py": "",
            "lib/shared.py": "",
            "tests/test_a.py": "import core\nimport shared\n",
        },
    )
    assert graph.imports_of("tests/test_a.py") == {"src/core/__init__.py", "lib/shared.py"}
    assert "lib" in graph.roots


def test_code_outside_the_app_on_its_pythonpath_is_part_of_its_graph(tmp_path):
    tree(
        tmp_path,
        {
            "libs/common/src/common/__init__.py": "",
            "libs/common/src/common/money.py": "from . import rates\n",
            "libs/common/src/common/rates.py": "",
            "libs/common/tests/test_money.py": "import common.money\n",
        },
    )
    graph = build(
        tmp_path / "apps" / "orders",
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["../../libs/common/src"]\n',
            "tests/test_total.py": "from common.money import cents\n",
        },
    )
    rates = "../../libs/common/src/common/rates.py"
    assert graph.importers_of([rates])["tests/test_total.py"] == Impact(
        "tests/test_total.py", rates, ("../../libs/common/src/common/money.py",), False
    )
    assert "../../libs/common/tests/test_money.py" not in graph.files  # only the entry is read


def test_outside_roots_from_pythonpath_uv_sources_and_venv_pth_files(tmp_path):
    tree(
        tmp_path,
        {
            "libs/a/src/a/__init__.py": "",
            "libs/b/b/__init__.py": "",
            "libs/c/c.py": "",
            "libs/d/d.py": "",
        },
    )
    app = tmp_path / "apps" / "x"
    site = app / ".venv" / "lib" / "python3.11" / "site-packages"
    tree(
        app,
        {
            "pyproject.toml": (
                '[tool.uv.sources]\na = {path = "../../libs/a"}\nb = {path = "../../libs/b"}\n'
                'other = {git = "https://example.com/x.git"}\n'
                '[tool.pytest.ini_options]\npythonpath = ["src", "../../libs/d", "../.."]\n'
            ),
            ".venv/lib/python3.11/site-packages/_c.pth": f"{tmp_path / 'libs' / 'c'}\nimport x\n",
        },
    )
    assert site.is_dir()
    assert set(outside_roots(app)) == {
        tmp_path / "libs" / "a" / "src",
        tmp_path / "libs" / "b",
        tmp_path / "libs" / "c",
        tmp_path / "libs" / "d",
    }  # a missing src, and the repository above the app, are not claimed


def test_every_src_directory_is_a_root_as_in_a_monorepo(tmp_path):
    graph = build(
        tmp_path,
        {
            "libs/billing/src/billing/__init__.py": "",
            "tests/test_billing.py": "import billing\n",
        },
    )
    assert graph.imports_of("tests/test_billing.py") == {"libs/billing/src/billing/__init__.py"}


def test_pythonpath_from_ini_files(tmp_path):
    for name, section in (
        ("pytest.ini", "[pytest]"),
        ("setup.cfg", "[tool:pytest]"),
        ("tox.ini", "[pytest]"),
    ):
        root = tmp_path / name
        graph = build(
            root,
            {
                name: f"{section}\npythonpath = lib\n",
                "lib/shared.py": "",
                "main.py": "import shared",
            },
        )
        assert graph.imports_of("main.py") == {"lib/shared.py"}, name


def test_test_directories_are_roots_the_way_pytest_prepends_them(tmp_path):
    graph = build(
        tmp_path,
        {
            "tests/conftest.py": "",
            "tests/helpers.py": "",
            "tests/unit/test_a.py": "import helpers\nimport local_util\n",
            "tests/unit/local_util.py": "",
            "tests/pkg/__init__.py": "",
            "tests/pkg/test_b.py": "import pkg.tool\n",
            "tests/pkg/tool.py": "",
        },
    )
    assert graph.imports_of("tests/unit/test_a.py") == {
        "tests/helpers.py",
        "tests/unit/local_util.py",
    }
    assert graph.imports_of("tests/pkg/test_b.py") == {"tests/pkg/__init__.py", "tests/pkg/tool.py"}


def test_a_name_found_in_several_roots_keeps_all_of_them(tmp_path):
    graph = build(
        tmp_path,
        {
            "config.py": "",
            "src/config.py": "",
            "tests/test_a.py": "import config\n",
        },
    )
    assert graph.imports_of("tests/test_a.py") == {"config.py", "src/config.py"}


def test_files_in_no_importable_place_are_scanned_but_nothing_imports_them(tmp_path):
    graph = build(
        tmp_path,
        {
            "my-scripts/tool.py": "import lib\n",
            "lib.py": "",
            "tests/test_a.py": "import tool\n",
        },
    )
    assert "my-scripts/tool.py" in graph.files
    assert graph.imports_of("my-scripts/tool.py") == {"lib.py"}
    assert graph.importers_of(["my-scripts/tool.py"]) == {}


def test_third_party_and_stdlib_imports_are_ignored(tmp_path):
    graph = build(tmp_path, {"main.py": "import os, json\nfrom attrs import frozen\n"})
    assert graph.imports_of("main.py") == set()


def test_hidden_virtualenv_and_build_directories_are_skipped(tmp_path):
    graph = build(
        tmp_path,
        {
            ".orch/x.py": "",
            ".tox/y.py": "",
            "env/pyvenv.cfg": "home = /usr\n",
            "env/lib/site.py": "",
            "node_modules/pkg/z.py": "",
            "pkg/__pycache__/m.py": "",
            "build/lib/app.py": "",
            "dist/old.py": "",
            "app/build/__init__.py": "",
            "app/build/steps.py": "",
            "main.py": "",
        },
    )
    assert graph.files == {"main.py", "app/build/__init__.py", "app/build/steps.py"}


# -- queries ------------------------------------------------------------------------------------


def test_importers_of_gives_the_shortest_chain_from_the_importer(tmp_path):
    graph = build(
        tmp_path,
        {
            "src/payment/__init__.py": "",
            "src/payment/processor.py": "",
            "src/payment/api.py": "from payment import processor\n",
            "tests/helpers.py": "from payment.api import x\n",
            "tests/test_api.py": "import helpers\nfrom payment import api\n",
            "tests/test_unrelated.py": "import os\n",
        },
    )
    impacts = graph.importers_of(["src/payment/processor.py"])
    assert impacts["src/payment/api.py"] == Impact(
        "src/payment/api.py", "src/payment/processor.py", (), True
    )
    assert impacts["tests/helpers.py"].via == ("src/payment/api.py",)
    assert impacts["tests/test_api.py"].via == ("src/payment/api.py",)
    assert "tests/test_unrelated.py" not in impacts
    assert "src/payment/processor.py" not in impacts


def test_import_cycles_terminate(tmp_path):
    graph = build(
        tmp_path,
        {
            "a.py": "import b\n",
            "b.py": "import c\n",
            "c.py": "import a\n",
            "test_a.py": "import a\n",
        },
    )
    impacts = graph.importers_of(["c.py"])
    assert set(impacts) == {"a.py", "b.py", "test_a.py"}
    assert impacts["test_a.py"].via == ("a.py", "b.py")
    assert set(graph.importers_of(["a.py", "c.py"])) == {"b.py", "test_a.py"}


def test_each_importer_is_explained_by_its_nearest_changed_file(tmp_path):
    graph = build(
        tmp_path,
        {"low.py": "", "mid.py": "import low\n", "test_top.py": "import mid\n"},
    )
    impacts = graph.importers_of(["low.py", "mid.py"])
    assert impacts["test_top.py"] == Impact("test_top.py", "mid.py", (), True)


def test_a_changed_conftest_impacts_every_test_below_it(tmp_path):
    graph = build(
        tmp_path,
        {
            "tests/conftest.py": "",
            "tests/test_a.py": "",
            "tests/unit/test_b.py": "",
            "tests/unit/conftest.py": "",
            "tests/unit/helper.py": "",
            "other/test_c.py": "",
        },
    )
    impacts = graph.importers_of(["tests/conftest.py"])
    assert set(impacts) == {"tests/test_a.py", "tests/unit/test_b.py", "tests/unit/conftest.py"}
    assert impacts["tests/unit/test_b.py"].direct


def test_a_module_imported_only_by_a_conftest_impacts_the_tests_beneath_it(tmp_path):
    graph = build(
        tmp_path,
        {
            "src/app/__init__.py": "",
            "src/app/db.py": "",
            "tests/api/conftest.py": "from app.db import connect\n",
            "tests/api/test_users.py": "def test_x(): ...\n",
            "tests/test_other.py": "",
        },
    )
    impacts = graph.importers_of(["src/app/db.py"])
    assert impacts["tests/api/test_users.py"].via == ("tests/api/conftest.py",)
    assert "tests/test_other.py" not in impacts


def test_a_test_package_init_impacts_the_tests_imported_through_it(tmp_path):
    graph = build(
        tmp_path,
        {
            "tests/__init__.py": "",
            "tests/unit/__init__.py": "",
            "tests/unit/test_a.py": "",
            "tests/loose/test_b.py": "",
        },
    )
    impacts = graph.importers_of(["tests/__init__.py"])
    assert set(impacts) == {"tests/unit/test_a.py"}
    assert graph.imports_of("tests/unit/test_a.py") == set()


def test_a_deleted_file_still_reaches_its_importers(tmp_path):
    graph = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/user.py": "from . import gone\n",
            "tests/test_user.py": "import pkg.user\n",
            "tests/test_direct.py": "from pkg.gone import thing\n",
            "tests/test_b.py": "",
        },
    )
    impacts = graph.importers_of(["pkg/gone.py"])
    assert impacts["tests/test_user.py"].via == ("pkg/user.py",)
    assert impacts["tests/test_direct.py"].direct
    assert "tests/test_b.py" not in impacts
    assert set(graph.importers_of(["tests/conftest.py"])) == {
        "tests/test_user.py",
        "tests/test_direct.py",
        "tests/test_b.py",
    }


# -- problems -----------------------------------------------------------------------------------


def test_a_file_that_does_not_parse_is_still_scanned_and_reported_when_asked(tmp_path):
    graph = build(
        tmp_path,
        {"dep.py": "", "broken.py": "import dep\ndef f(:\n", "good.py": "import dep\n"},
    )
    assert graph.imports_of("broken.py") == {"dep.py"}
    problems = graph.check_syntax(["broken.py", "good.py", "missing.py"])
    assert problems == {"broken.py": "does not parse as Python (line 2): invalid syntax"}


def test_a_file_that_is_not_utf8_is_read_with_replacements_and_reported(tmp_path):
    (tmp_path / "dep.py").write_text("")
    (tmp_path / "bad.py").write_bytes(b"# caf\xe9\nimport dep\n")
    (tmp_path / "declared.py").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\nimport dep\n")
    graph = ImportGraph.build(tmp_path)
    assert graph.imports_of("bad.py") == {"dep.py"}
    assert graph.imports_of("declared.py") == {"dep.py"}
    assert graph.problems == {
        "bad.py": "is not valid UTF-8 (byte 5); read with replacement characters"
    }


# -- cache --------------------------------------------------------------------------------------


def test_the_cache_serves_unchanged_files_and_rescans_changed_ones(tmp_path):
    app, cache = tmp_path / "app", tmp_path / "cache" / "imports.bin"
    build(app, {"a.py": "", "b.py": "", "main.py": "import a\n"}, cache)
    assert cache.is_file()
    main = app / "main.py"
    stat = main.stat()
    main.write_text("import b\n")  # same size and mtime: the cache answers
    os.utime(main, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert ImportGraph.build(app, cache).imports_of("main.py") == {"a.py"}
    os.utime(main, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert ImportGraph.build(app, cache).imports_of("main.py") == {"b.py"}


def test_a_new_file_changes_the_layout_and_every_import_is_resolved_again(tmp_path):
    app, cache = tmp_path / "app", tmp_path / "imports.bin"
    graph = build(app, {"main.py": "import later\n"}, cache)
    assert graph.imports_of("main.py") == set()
    tree(app, {"later.py": ""})
    assert ImportGraph.build(app, cache).imports_of("main.py") == {"later.py"}


def test_a_recently_modified_file_is_not_trusted_from_the_cache(tmp_path):
    app, cache = tmp_path / "app", tmp_path / "imports.bin"
    (app).mkdir()
    (app / "a.py").write_text("")
    (app / "b.py").write_text("")
    main = app / "main.py"
    main.write_text("import a\n")
    ImportGraph.build(app, cache)
    stat = main.stat()
    main.write_text("import b\n")  # same size, and (on a coarse clock) the same mtime
    os.utime(main, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert ImportGraph.build(app, cache).imports_of("main.py") == {"b.py"}


def test_a_corrupt_or_foreign_cache_is_ignored_and_rewritten(tmp_path):
    app, cache = tmp_path / "app", tmp_path / "imports.bin"
    tree(app, {"a.py": "", "main.py": "import a\n"})
    for content in (b"", b"garbage", b"orch-import-graph-1\n\x00\x00\x00\x00junk", b"\x80" * 64):
        cache.write_bytes(content)
        assert ImportGraph.build(app, cache).imports_of("main.py") == {"a.py"}
        assert cache.read_bytes() != content
    other = tree(tmp_path / "other", {"a.py": "", "main.py": ""})
    assert ImportGraph.build(other, cache).imports_of("main.py") == set()


def test_an_unwritable_cache_only_costs_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    app = tree(tmp_path / "app", {"a.py": "", "main.py": "import a\n"})
    assert ImportGraph.build(app, blocker / "imports.bin").imports_of("main.py") == {"a.py"}


# -- speed --------------------------------------------------------------------------------------


def generate(root: Path, modules: int = 2000, tests: int = 500) -> None:
    """About 3 MB of code: packages of 40 modules that import each other, and test directories
    with a conftest each, whose tests import a few modules."""
    rnd = random.Random(7)
    packages = modules // 40
    body = "".join(
        f'\n\ndef helper_{i}(value, *args):\n    """Helper {i}: transforms value."""\n'
        f"    result = [item * {i} for item in range(value) if item % 3]\n"
        "    return sum(result) + len(args)\n"
        for i in range(5)
    )
    files = {"src/app/__init__.py": "", "tests/conftest.py": "import pytest\n"}

    def some_import() -> str:
        return f"from app.pkg{rnd.randrange(packages)}.mod{rnd.randrange(40)} import helper_1\n"

    for p in range(packages):
        files[f"src/app/pkg{p}/__init__.py"] = "from .mod0 import helper_0\n"
        for m in range(40):
            files[f"src/app/pkg{p}/mod{m}.py"] = (
                f'"""Module {p}.{m}.\n\nimport nothing from here: documentation.\n"""\n'
                "import os\nimport sys, json as _json\nfrom collections import (\n"
                "    OrderedDict,  # ordered\n    defaultdict,\n)\n"
                + "".join(some_import() for _ in range(3))
                + f"from . import mod{(m + 1) % 40}\n"
                "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n" + body
            )
    for t in range(tests):
        directory = f"tests/unit{t % 10}"
        files[f"{directory}/conftest.py"] = "from app.pkg1.mod3 import helper_2\n"
        files[f"{directory}/test_t{t}.py"] = (
            "import pytest\n"
            + "".join(some_import() for _ in range(3))
            + "".join(
                f"\n\n@pytest.mark.parametrize('x', [1, 2])\ndef test_case_{i}(x):\n"
                f'    """Case {i}."""\n    assert helper_1(x) >= 0\n'
                for i in range(6)
            )
            + "\n\nclass TestGroup:\n    def test_one(self):\n        assert True\n"
        )
    tree(root, files)


def test_cold_and_warm_builds_of_a_large_tree_are_fast(tmp_path):
    app, cache = tmp_path / "app", tmp_path / "imports.bin"
    generate(app)
    size = sum(p.stat().st_size for p in app.rglob("*.py"))
    started = time.perf_counter()
    graph = ImportGraph.build(app, cache)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    warm_graph = ImportGraph.build(app, cache)
    warm = time.perf_counter() - started
    print(f"\n{len(graph.files)} files, {size / 1e6:.1f} MB: cold {cold:.3f} s, warm {warm:.3f} s")
    assert len(graph.files) == 2000 + 50 + 1 + 500 + 10 + 1
    assert warm_graph.imports_of("tests/unit3/test_t3.py") == graph.imports_of(
        "tests/unit3/test_t3.py"
    )
    assert cold < budget(2.0)
    assert warm < budget(0.3)
