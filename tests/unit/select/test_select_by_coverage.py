"""Selection by recorded coverage: the tests that ran a changed function, and every case where
coverage cannot answer for a file, which the import graph answers instead, saying why."""

from __future__ import annotations

from pathlib import Path

from select_scene import Scene, reasons

from orch.ports import CoverageMap, FunctionSpan

FORMAT = "tests/money_test.fk::test_format"
PARSE = "tests/money_test.fk::test_parse"
CART = "tests/cart_test.fk::test_total"
BY_IMPORTS = {
    FORMAT: ("imports src/money.fk",),
    PARSE: ("imports src/money.fk",),
    CART: ("imports src/money.fk via src/cart.fk",),
}
OLD = "money v1\nformat v1\n"


def recorded(scene: Scene, commit: str | None = None) -> None:
    scene.store.save_coverage(
        CoverageMap("shop", commit or scene.base, {"src/money.fk": {FORMAT: (1,), PARSE: (2,)}})
    )


def with_functions(scene: Scene) -> None:
    scene.analysis.functions_of[OLD] = (FunctionSpan("money", 1, 1), FunctionSpan("fmt", 2, 2))


def test_the_tests_that_ran_the_changed_function(scene: Scene):
    recorded(scene)
    with_functions(scene)
    scene.repo.write("src/money.fk", "money v2\nformat v1\n")
    chosen = scene.select()
    assert reasons(chosen) == {FORMAT: ("covers src/money.fk:1-1, changed",)}
    assert chosen.problems == ()


def test_a_test_that_ran_another_line_of_the_changed_function(scene: Scene):
    scene.store.save_coverage(CoverageMap("shop", scene.base, {"src/money.fk": {PARSE: (2,)}}))
    scene.analysis.functions_of[OLD] = (FunctionSpan("money", 1, 2),)
    scene.repo.write("src/money.fk", "money v2\nformat v1\n")
    assert reasons(scene.select()) == {
        PARSE: ("runs money() in src/money.fk, changed at lines 1-1",)
    }


def test_no_map_recorded(scene: Scene):
    scene.repo.write("src/money.fk", "money v2\nformat v1\n")
    chosen = scene.select()
    assert reasons(chosen) == BY_IMPORTS
    assert chosen.problems == (
        "no coverage map recorded (orch run --record-coverage): used the import graph",
    )


def test_module_level_code_changed(scene: Scene):
    recorded(scene)
    scene.analysis.functions_of[OLD] = (FunctionSpan("fmt", 2, 2),)
    scene.repo.write("src/money.fk", "money v2\nformat v1\n")
    chosen = scene.select()
    assert reasons(chosen) == BY_IMPORTS
    assert chosen.problems == (
        "module-level code of src/money.fk changed: used the import graph for it",
    )


def test_a_file_that_does_not_parse_at_the_base(scene: Scene):
    recorded(scene)
    scene.repo.write("src/money.fk", "money v2\nformat v1\n")
    chosen = scene.select()
    assert chosen.problems == (
        f"src/money.fk at {scene.base[:12]} could not be read: used the import graph",
    )


def test_a_file_no_test_ran(scene: Scene):
    recorded(scene)
    scene.repo.write("src/cart.fk", "cart v2\n")
    chosen = scene.select()
    assert reasons(chosen) == {CART: ("imports src/cart.fk",)}
    assert chosen.problems == (
        "no test ran src/cart.fk when coverage was recorded: used the import graph",
    )


def test_a_file_changed_since_the_maps_commit(scene: Scene):
    old = scene.base
    scene.repo.write("src/money.fk", "money v1.5\nformat v1\n")
    scene.base = scene.repo.commit("later")
    recorded(scene, commit=old)
    with_functions(scene)
    scene.repo.write("src/money.fk", "money v2\nformat v1\n")
    chosen = scene.select()
    assert reasons(chosen) == BY_IMPORTS
    assert chosen.problems == (
        f"src/money.fk changed since the coverage map's commit {old[:12]}: used the import graph",
    )


def test_a_map_of_a_commit_this_repository_does_not_have(scene: Scene):
    recorded(scene, commit="f" * 40)
    scene.repo.write("src/money.fk", "money v2\nformat v1\n")
    chosen = scene.select()
    assert reasons(chosen) == BY_IMPORTS
    assert chosen.problems[0].startswith(
        f"the coverage map was recorded at {'f' * 12}, which cannot be compared with this "
        "repository ("
    )


def test_a_file_coverage_is_blind_to(scene: Scene):
    recorded(scene)
    scene.analysis.blind["src/money.fk"] = "src/money.fk defines fixtures"
    scene.repo.write("src/money.fk", "money v2\nformat v1\n")
    chosen = scene.select()
    assert reasons(chosen) == BY_IMPORTS
    assert chosen.problems == ("src/money.fk defines fixtures",)


def test_a_changed_test_file_is_left_to_its_own_analysis(scene: Scene):
    recorded(scene)
    scene.repo.write("tests/cart_test.fk", "test cart v2\n")
    chosen = scene.select()
    assert reasons(chosen) == {CART: ("tests/cart_test.fk changed",)}
    assert chosen.problems == ()


def test_coverage_alone_still_falls_back_to_imports(scene: Scene):
    scene.repo.write("src/cart.fk", "cart v2\n")
    assert reasons(scene.select(strategies=("coverage",))) == {CART: ("imports src/cart.fk",)}


def test_a_shared_library_outside_the_app_is_not_in_its_map(tmp_path: Path):
    scene = Scene(tmp_path, app_folder="apps/shop")
    scene.repo.write("libs/common/money.fk", "common v1\n")
    scene.base = scene.repo.commit("libs")
    scene.analysis.outside = (scene.root / "libs" / "common",)
    scene.analysis.imports["src/money.fk"] = ("../../libs/common/money.fk",)
    scene.repo.write("libs/common/money.fk", "common v2\n")
    scene.repo.write("libs/other.fk", "not claimed\n")
    selection = scene.selection()
    chosen = selection.apps["shop"]
    assert reasons(chosen)[FORMAT] == ("imports ../../libs/common/money.fk via src/money.fk",)
    assert chosen.problems[0] == (
        "../../libs/common/money.fk is outside the application's folder, where coverage is not "
        "recorded: used the import graph"
    )
    assert selection.outside == ("libs/other.fk",)
