"""What changed code selects through a language's analysis: mapping rules, changed tests,
imports, deleted and renamed files."""

from __future__ import annotations

from select_scene import Scene, reasons

from orch.ports import MappingRule

MONEY = "tests/money_test.fk::test_format", "tests/money_test.fk::test_parse"
CART = "tests/cart_test.fk::test_total"


def test_a_changed_source_selects_the_tests_importing_it_directly_or_not(scene: Scene):
    scene.repo.write("src/money.fk", "money v2\nformat v1\n")
    chosen = scene.select(strategies=("imports",))
    assert reasons(chosen) == {
        MONEY[0]: ("imports src/money.fk",),
        MONEY[1]: ("imports src/money.fk",),
        CART: ("imports src/money.fk via src/cart.fk",),
    }
    assert [t.nodeid for t in chosen.tests][-1] == CART  # direct before transitive
    assert chosen.count == 3 and chosen.reasons == ()


def test_without_imports_or_coverage_a_source_change_selects_nothing(scene: Scene):
    scene.repo.write("src/money.fk", "money v2\n")
    chosen = scene.select(strategies=("history",))
    assert chosen.tests == ()
    assert chosen.reasons == ("the change reaches no test of this application",)


def test_a_changed_and_a_new_test_file(scene: Scene):
    scene.repo.write("tests/cart_test.fk", "test cart v2\n")
    scene.repo.write("tests/new_test.fk", "test new\n")
    scene.analysis.tests["tests/new_test.fk"] = ["tests/new_test.fk::test_new"]
    assert reasons(scene.select()) == {
        "tests/new_test.fk::test_new": ("new test (its file is new)",),
        CART: ("tests/cart_test.fk changed",),
    }


def test_mapping_rules_select_the_tests_they_name(scene: Scene):
    scene.repo.write("src/money.fk", "money v2\n")
    rules = (
        MappingRule(source=r"docs/(.*)\.md", tests="tests/{1}_test.fk"),
        MappingRule(source=r"src/(.*)\.fk", tests="tests/{1}_test.fk"),
    )
    chosen = scene.select(strategies=("mapping",), mapping_rules=rules)
    assert reasons(chosen) == {
        MONEY[0]: ("mapping rule 2: src/money.fk -> tests/money_test.fk",),
        MONEY[1]: ("mapping rule 2: src/money.fk -> tests/money_test.fk",),
    }


def test_mapping_rules_are_not_used_unless_asked_for(scene: Scene):
    scene.repo.write("src/money.fk", "money v2\n")
    rule = MappingRule(source=r"src/(.*)\.fk", tests="tests/{1}_test.fk")
    assert scene.select(strategies=(), mapping_rules=(rule,)).tests == ()


def test_a_deleted_source_still_selects_its_importers(scene: Scene):
    scene.repo.remove("src/cart.fk")
    assert reasons(scene.select(strategies=())) == {CART: ("imports src/cart.fk",)}


def test_a_renamed_source_selects_the_importers_of_its_old_name(scene: Scene):
    scene.repo.move("src/cart.fk", "src/basket.fk")
    chosen = scene.select(strategies=())
    assert reasons(chosen) == {CART: ("imports src/cart.fk",)}


def test_the_analysis_notes_are_problems(scene: Scene):
    scene.analysis.problems["src/money.fk"] = "does not parse"
    scene.repo.write("src/money.fk", "money (\n")
    assert scene.select().problems[0] == "src/money.fk: does not parse"
