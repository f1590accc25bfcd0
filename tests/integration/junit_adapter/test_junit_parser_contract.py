"""ResultParserContract against both parsers of the junit adapter and against FakeParser."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.adapters.junit import JUnitXmlParser, TestNGParser
from orch.ports import ResultParser
from orch.testing.contracts import ResultParserContract
from orch.testing.fakes import FakeParser

DATA = Path(__file__).parents[2] / "data" / "junit"
JUNIT_SAMPLES = sorted(
    path.name for path in DATA.glob("*.xml") if not path.name.startswith(("corrupt-", "testng"))
)


class TestJUnitXmlParserContract(ResultParserContract):
    @pytest.fixture
    def parser(self) -> ResultParser:
        return JUnitXmlParser()

    @pytest.fixture(params=JUNIT_SAMPLES)
    def sample(self, request: pytest.FixtureRequest) -> Path:
        return DATA / request.param


class TestTestNGParserContract(ResultParserContract):
    @pytest.fixture
    def parser(self) -> ResultParser:
        return TestNGParser()

    @pytest.fixture
    def sample(self) -> Path:
        return DATA / "testng-results.xml"


class TestFakeParserContract(ResultParserContract):
    @pytest.fixture
    def parser(self) -> ResultParser:
        return FakeParser()

    @pytest.fixture
    def sample(self, tmp_path: Path) -> Path:
        path = tmp_path / "results.fake"
        rows = [
            ("tests/test_cart.py::test_total", "passed"),
            ("tests/test_cart.py::test_discount", "failed", "assert 1.5 == 1.4"),
            ("tests/test_pay.py::test_gateway", "skipped", "sandbox is down"),
        ]
        path.write_text(FakeParser.render(rows))
        return path


def test_fake_parser_reads_what_it_renders(tmp_path: Path) -> None:
    path = tmp_path / "results.fake"
    path.write_text(FakeParser.render([("t1", "passed"), ("t2", "error", "db down")]))
    results = FakeParser().parse(path, "shop")
    assert [(r.nodeid, r.outcome.value, r.message) for r in results] == [
        ("t1", "passed", ""),
        ("t2", "error", "db down"),
    ]
