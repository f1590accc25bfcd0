"""Recent failures reached by the change, always-run tests and critical markers; the risk score
ranks what they add."""

from __future__ import annotations

from select_scene import Scene, reasons

FORMAT = "tests/money_test.fk::test_format"
PARSE = "tests/money_test.fk::test_parse"
CART = "tests/cart_test.fk::test_total"


def test_a_recently_failing_test_the_change_reaches_ranks_first(scene: Scene):
    scene.failed_before(CART, runs=2)
    scene.repo.write("src/money.fk", "money v2\n")
    chosen = scene.select(strategies=("imports", "history"))
    assert reasons(chosen)[CART] == (
        "imports src/money.fk via src/cart.fk",
        "failed in 2 of its last 2 runs, and src/money.fk changed",
    )
    assert chosen.tests[0].nodeid == CART


def test_a_recently_failing_test_whose_own_file_changed(scene: Scene):
    scene.failed_before(CART, PARSE)
    scene.repo.write("tests/cart_test.fk", "test cart v2\n")
    assert reasons(scene.select(strategies=("history",))) == {
        CART: (
            "tests/cart_test.fk changed",
            "failed in 1 of its last 1 runs, and tests/cart_test.fk changed",
        ),
    }


def test_history_is_not_asked_for_or_has_no_failure(scene: Scene):
    scene.repo.write("src/cart.fk", "cart v2\n")
    assert reasons(scene.select(strategies=("history",))) == {}
    scene.failed_before(CART)
    assert reasons(scene.select(strategies=())) == {}


def test_always_run_paths_and_markers(scene: Scene):
    scene.analysis.markers[PARSE] = ("smoke",)
    scene.repo.write("src/cart.fk", "cart v2\n")
    chosen = scene.select(
        strategies=("imports",), always_run_paths=("tests/money_*",), always_run_markers=("smoke",)
    )
    assert reasons(chosen) == {
        CART: ("imports src/cart.fk",),
        FORMAT: ("always-run: tests/money_*",),
        PARSE: ("always-run: tests/money_*", "always-run: marker smoke"),
    }


def test_a_critical_test_ranks_higher_and_says_why(scene: Scene):
    scene.analysis.markers[FORMAT] = ("critical",)
    scene.repo.write("src/money.fk", "money v2\n")
    chosen = scene.select(strategies=("imports",))
    assert reasons(chosen)[FORMAT] == ("imports src/money.fk", "critical: marker critical")
    assert [t.nodeid for t in chosen.tests] == [FORMAT, PARSE, CART]
    assert chosen.tests[0].score == chosen.tests[1].score + 1


def test_parametrised_cases_count_as_the_runner_runs_them(scene: Scene):
    for case in ("EUR", "JPY", "USD"):
        scene.store._durations[("shop", f"{FORMAT}[{case}]")] = 0.5
    scene.repo.write("src/money.fk", "money v2\n")
    chosen = scene.select(strategies=("imports",))
    assert chosen.count == 5 and chosen.suite == 5  # test_format's three cases counted
    seconds = {t.nodeid: t.score for t in chosen.tests}
    assert seconds[PARSE] > seconds[FORMAT]  # 1.5 s of cases against none: fast first
