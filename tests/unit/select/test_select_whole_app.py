"""When core selects a whole application, or nothing, and says why; whatever the language."""

from __future__ import annotations

from select_scene import Scene

from orch.ports import MappingRule

EVERY_TEST = {
    "tests/cart_test.fk::test_total",
    "tests/money_test.fk::test_format",
    "tests/money_test.fk::test_parse",
}


def test_strategy_all_selects_every_test_with_the_reason(scene: Scene):
    chosen = scene.select(strategy="all")
    assert chosen.whole_app and chosen.reasons == ("select.strategy is 'all'",)
    assert {t.nodeid for t in chosen.tests} == EVERY_TEST
    assert all(t.reasons == ("whole application: select.strategy is 'all'",) for t in chosen.tests)
    assert chosen.suite == chosen.count == 3
    assert scene.analysis.closed == 1  # the analysis keeps its caches once per selection


def test_nothing_changed_selects_nothing(scene: Scene):
    chosen = scene.select()
    assert not chosen.whole_app and chosen.tests == ()
    assert chosen.reasons == ("no file of this application changed",)


def test_only_ignored_files_changed(scene: Scene):
    scene.repo.write("docs/guide.md", "new")
    chosen = scene.select(ignore=("docs/*",))
    assert chosen.tests == () and chosen.reasons == ("only ignored files changed (select.ignore)",)


def test_a_runner_that_cannot_run_single_tests_runs_the_whole_app(scene: Scene):
    scene.runners.clear()
    scene.repo.write("src/money.fk", "money v2\n")
    chosen = scene.select()
    assert chosen.whole_app and chosen.tests == ()
    assert chosen.reasons == ("runner 'fake' cannot run single tests; src/money.fk changed",)


def test_no_analysis_of_the_language_runs_the_whole_app(scene: Scene):
    scene.impacts.clear()
    scene.repo.write("src/money.fk", "money v2\n")
    chosen = scene.select()
    assert chosen.whole_app and chosen.tests == ()
    assert chosen.reasons == (
        "no installed change analysis reads this application; src/money.fk changed",
    )


def test_build_files_of_any_language_and_of_none_select_the_whole_app(scene: Scene):
    scene.repo.write("fake.lock", "pinned")
    assert scene.select().reasons == ("build or dependency file fake.lock changed",)
    scene.repo.remove("fake.lock")
    scene.repo.write("deploy/Dockerfile", "FROM scratch")
    chosen = scene.select()
    assert chosen.reasons == ("build or dependency file deploy/Dockerfile changed",)
    assert {t.nodeid for t in chosen.tests} == EVERY_TEST


def test_a_file_the_analysis_does_not_read_selects_the_whole_app_unless_mapped(scene: Scene):
    scene.repo.write("src/rates.json", "{}")
    assert scene.select().reasons == (
        "non-Fake file src/rates.json changed and no mapping rule covers it "
        "(add a mapping rule or select.ignore to narrow this)",
    )
    rule = MappingRule(source=r"src/(.*)\.json", tests="tests/cart_test.fk")
    chosen = scene.select(mapping_rules=(rule,))
    assert not chosen.whole_app


def test_everything_selects_every_app_for_the_reason(scene: Scene):
    selection = scene.selector().everything("no version-control adapter is installed")
    assert selection.base == "" and selection.head is None
    chosen = selection.apps["shop"]
    assert chosen.whole_app and {t.nodeid for t in chosen.tests} == EVERY_TEST


def test_everything_for_named_apps_only(scene: Scene):
    assert scene.selector().everything("why", apps=("other",)).apps == {}


def test_caches_that_running_tests_write_are_no_change(scene: Scene):
    scene.repo.write("src/__pycache__/money.cpython-311.pyc", "bytecode")
    scene.repo.write(".pytest_cache/v/cache/lastfailed", "{}")
    assert scene.select().reasons == ("no file of this application changed",)
