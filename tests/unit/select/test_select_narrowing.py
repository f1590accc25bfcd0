"""A changed shared set-up file is narrowed by the framework's collection of the working tree,
when the analysis can; otherwise every test importing it is selected."""

from __future__ import annotations

from pathlib import Path

from select_scene import Scene, reasons

from orch.ports import Application, EnvironmentProblem, TestCase
from orch.testing.fake_runner import FakeRunner, FakeTest

SETUP = "tests/setup.fk"
BY_IMPORT = {"tests/cart_test.fk::test_total": ("imports tests/setup.fk",)}


def with_setup(scene: Scene) -> None:
    scene.repo.write(SETUP, "fixture db v1\n")
    scene.base = scene.repo.commit("setup")
    scene.analysis.imports["tests/cart_test.fk"] = ("src/cart.fk", SETUP)
    scene.analysis.fixtures[SETUP] = ("db",)
    scene.repo.write(SETUP, "fixture db v2\n")


def test_the_collection_narrows_a_changed_setup_file(scene: Scene):
    with_setup(scene)
    scene.runners["fake"] = FakeRunner(
        {"shop": [FakeTest("tests/cart_test.fk::test_total", file="tests/cart_test.fk")]}
    )
    assert reasons(scene.select()) == {
        "tests/cart_test.fk::test_total": ("uses db of tests/setup.fk",),
    }


def test_against_a_head_commit_the_working_tree_collection_cannot_answer(scene: Scene):
    with_setup(scene)
    head = scene.repo.commit("v2")
    chosen = scene.select(head=head)
    assert reasons(chosen) == {"tests/cart_test.fk::test_total": ("imports tests/setup.fk",)}


def test_a_new_setup_file_is_not_narrowed(scene: Scene):
    scene.repo.write(SETUP, "fixture db\n")
    scene.analysis.fixtures[SETUP] = ("db",)
    scene.analysis.imports["tests/cart_test.fk"] = (SETUP,)
    assert reasons(scene.select()) == {
        "tests/cart_test.fk::test_total": ("imports tests/setup.fk",)
    }


def test_no_collected_test_keeps_every_importer(scene: Scene):
    with_setup(scene)  # the fake runner collects nothing
    assert reasons(scene.select()) == {
        "tests/cart_test.fk::test_total": ("imports tests/setup.fk",)
    }


class UncollectableRunner(FakeRunner):
    """A runner whose collection fails, as pytest's does when a conftest does not import."""

    def discover(self, app: Application) -> list[TestCase]:
        raise EnvironmentProblem("pytest could not import tests/setup.fk")


def test_a_collection_that_fails_is_a_problem_and_keeps_every_importer(scene: Scene):
    with_setup(scene)
    scene.runners["fake"] = UncollectableRunner({})
    chosen = scene.select()
    assert reasons(chosen) == {"tests/cart_test.fk::test_total": ("imports tests/setup.fk",)}
    assert chosen.problems == (
        "could not collect the tests' fixtures (pytest could not import tests/setup.fk)",
        "no coverage map recorded (orch run --record-coverage): used the import graph",
    )


def test_the_file_before_the_change_is_read_from_the_base(tmp_path: Path):
    scene = Scene(tmp_path, app_folder="apps/shop")
    with_setup_below(scene)
    scene.runners["fake"] = FakeRunner({"shop": [FakeTest("tests/cart_test.fk::test_total")]})
    assert reasons(scene.select()) == {
        "tests/cart_test.fk::test_total": ("uses db of tests/setup.fk",),
    }


def with_setup_below(scene: Scene) -> None:
    scene.repo.write("apps/shop/" + SETUP, "fixture db v1\n")
    scene.base = scene.repo.commit("setup")
    scene.analysis.fixtures[SETUP] = ("db",)
    scene.repo.write("apps/shop/" + SETUP, "fixture db v2\n")


def test_the_runner_collects_once_per_selection(scene: Scene):
    for name in ("tests/setup.fk", "src/setup.fk"):
        scene.repo.write(name, "fixture db v1\n")
        scene.analysis.fixtures[name] = ("db",)
    scene.base = scene.repo.commit("setup")
    for name in ("tests/setup.fk", "src/setup.fk"):
        scene.repo.write(name, "fixture db v2\n")
    runner = FakeRunner({"shop": [FakeTest("tests/cart_test.fk::test_total")]})
    scene.runners["fake"] = runner
    assert reasons(scene.select()) == {
        "tests/cart_test.fk::test_total": ("uses db of src/setup.fk", "uses db of tests/setup.fk"),
    }
    assert runner.discovered == ["shop"]
