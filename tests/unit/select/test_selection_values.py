"""The selection as ``orch select`` prints it and ``orch run --select changed`` reads it."""

from __future__ import annotations

from pathlib import Path

from select_scene import Scene

from orch.ports.selection import AppSelection, SelectedTest, Selection
from orch.testing.fake_impact import FakeAppImpact, FakeImpact

FORMAT_ID = "tests/money_test.fk::test_format"
FORMAT = SelectedTest("shop", FORMAT_ID, "tests/money_test.fk", ("a",), 4.0)
TOTAL = SelectedTest("web", "test/cart.test.js", "test/cart.test.js", ("b",), 5.0)


def selection() -> Selection:
    return Selection(
        "base",
        None,
        {
            "shop": AppSelection("shop", (FORMAT,), False, (), 10, count=2, base="base"),
            "web": AppSelection("web", (TOTAL,), True, ("package.json",), 3, count=3),
        },
        outside=("README.md",),
    )


def test_every_test_highest_risk_first_and_counted_as_run():
    chosen = selection()
    assert chosen.tests == [TOTAL, FORMAT]
    assert chosen.count == 5
    assert FORMAT.id == "shop::tests/money_test.fk::test_format"


def test_what_a_run_wants_of_each_app():
    chosen = selection()
    assert chosen.wanted("shop") == {"tests/money_test.fk::test_format": 4.0}
    assert chosen.wanted("web") is None  # the whole application
    assert chosen.wanted("other") == {}  # nothing: not even started


def test_the_json_object():
    assert selection().as_json() == {
        "base": "base",
        "head": None,
        "selected": [
            {"id": "test/cart.test.js", "app": "web", "reasons": ["b"], "score": 5.0},
            {"id": FORMAT_ID, "app": "shop", "reasons": ["a"], "score": 4.0},
        ],
        "total": 5,
        "apps": {
            "shop": {"selected": 2, "suite": 10, "base": "base", "whole_app": False,
                     "reasons": [], "problems": []},
            "web": {"selected": 3, "suite": 3, "base": "", "whole_app": True,
                    "reasons": ["package.json"], "problems": []},
        },
        "outside": ["README.md"],
    }  # fmt: skip


def test_claims_come_from_the_analysis_of_apps_that_run_single_tests(tmp_path: Path):
    scene = Scene(tmp_path)
    scene.analysis.outside = (tmp_path / "libs",)
    assert scene.selector().claims() == {"shop": (tmp_path / "libs",)}
    scene.impacts[:] = [FakeImpact({})]
    assert scene.selector().claims() == {"shop": ()}
    scene.runners.clear()
    assert scene.selector().claims() == {}


def test_the_first_analysis_by_name_that_answers_reads_the_app(tmp_path: Path):
    scene = Scene(tmp_path)

    class Other(FakeImpact):
        PLUGIN_NAME = "another"

    silent = Other({})
    scene.impacts[:] = [
        FakeImpact({"shop": scene.analysis}),
        silent,
        Other({"shop": FakeAppImpact()}),
    ]
    scene.repo.write("src/cart.fk", "cart v2\n")
    assert scene.select().tests == ()  # the empty analysis named "another" answered first
