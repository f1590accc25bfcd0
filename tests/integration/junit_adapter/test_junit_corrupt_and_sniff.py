"""Sniffing result files by their root element, one-line reasons for broken ones, safe parsing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from wall_clock import budget

from orch.adapters.junit import JUnitXmlParser, TestNGParser
from orch.ports import ResultFileError

DATA = Path(__file__).parents[2] / "data" / "junit"
JUNIT = JUnitXmlParser()
TESTNG = TestNGParser()


@pytest.mark.parametrize(
    ("head", "junit", "testng"),
    [
        (b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>', True, False),
        (b"<testsuite name='x' tests='1'>", True, False),
        (b"\xef\xbb\xbf<?xml version='1.0'?><!-- generated --><testsuite/>", True, False),
        (b"<?xml version='1.0'?>\n<!-- a\nlong\ncomment -->\n<?pi x?>\n<testsuites>", True, False),
        (b"<!DOCTYPE testsuite [<!ENTITY x 'y'>]>\n<testsuite>", True, False),
        ("<?xml version='1.0' encoding='UTF-16'?><testsuites>".encode("utf-16"), True, False),
        (b'<?xml version="1.0" encoding="UTF-8"?>\n<testng-results total="3">', False, True),
        (b"<testsuitesX>", False, False),
        (b"<?xml version='1.0'?><!-- cut off before the root", False, False),
        (b"<html><body>report</body></html>", False, False),
        (b"\x89PNG\r\n\x1a\n\x00\x00", False, False),
        (b"", False, False),
    ],
)
def test_sniff_recognises_the_root_element(head: bytes, junit: bool, testng: bool) -> None:
    assert JUNIT.sniff(head) is junit
    assert TESTNG.sniff(head) is testng


def test_sniff_on_every_sample() -> None:
    for path in DATA.glob("*.xml"):
        head = path.read_bytes()[:8192]
        expected_junit = not path.name.startswith(("testng", "corrupt-"))
        assert JUNIT.sniff(head) is expected_junit or path.name == "corrupt-truncated.xml", path
        assert TESTNG.sniff(head) is path.name.startswith("testng"), path


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "corrupt-truncated.xml",
            "not XML: unexpected end of file at line 61 (was the run killed while writing?)",
        ),
        ("corrupt-binary.xml", "binary data, not XML (starts with bytes 89 50 4e 47)"),
        (
            "corrupt-empty.xml",
            "empty file (did the test command stop before writing its results?)",
        ),
        (
            "corrupt-html.xml",
            "an HTML page, not an XML result file (point orch at the XML report)",
        ),
        (
            "corrupt-wrong-root.xml",
            "unexpected root element <coverage> (expected <testsuites> or <testsuite>)",
        ),
    ],
)
def test_corrupt_files_raise_one_line_reasons(name: str, reason: str) -> None:
    path = DATA / name
    with pytest.raises(ResultFileError) as caught:
        JUNIT.parse(path, "shop")
    assert caught.value.path == path
    assert caught.value.reason == reason
    assert str(caught.value) == f"{path}: {reason}"


def test_malformed_xml_says_what_and_where(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text('<testsuites>\n<testcase name="a">\n</testsuites>\n')
    with pytest.raises(ResultFileError) as caught:
        JUNIT.parse(path, "shop")
    assert caught.value.reason == (
        "not XML: Opening and ending tag mismatch: testcase line 2 and testsuites at line 3"
    )


def test_each_parser_refuses_the_others_root() -> None:
    with pytest.raises(ResultFileError, match=r"unexpected root element <testsuites> \(expected"):
        TESTNG.parse(DATA / "node-junit.xml", "shop")
    with pytest.raises(ResultFileError, match="unexpected root element <testng-results>"):
        JUNIT.parse(DATA / "testng-results.xml", "shop")


def test_a_truncated_testng_file(tmp_path: Path) -> None:
    path = tmp_path / "testng-results.xml"
    path.write_bytes((DATA / "testng-results.xml").read_bytes()[:5000])
    with pytest.raises(ResultFileError, match="unexpected end of file"):
        TESTNG.parse(path, "shop")


def test_a_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(40))
    with pytest.raises(ResultFileError, match="gzip-compressed data, not XML"):
        JUNIT.parse(path, "shop")


def test_a_utf16_file_with_bom_parses(tmp_path: Path) -> None:
    path = tmp_path / "utf16.xml"
    text = '<?xml version="1.0" encoding="UTF-16"?><testsuite><testcase classname="a" name="é"/>'
    path.write_bytes((text + "</testsuite>").encode("utf-16"))
    [result] = JUNIT.parse(path, "shop")
    assert result.nodeid == "a.é"


def test_external_entities_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE testsuites [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<testsuites><testcase classname="a" name="b">'
        '<failure message="boom">&xxe;</failure><system-out>&xxe;</system-out>'
        "</testcase></testsuites>"
    )
    [result] = JUNIT.parse(path, "shop")
    assert result.message == "boom"
    assert "TOP-SECRET" not in result.longrepr + result.stdout + result.message


def test_entity_expansion_bombs_do_not_explode(tmp_path: Path) -> None:
    levels = ['<!ENTITY l0 "laughlaughlaughlaughlaughlaughlaughlaugh">'] + [
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    ]
    path = tmp_path / "bomb.xml"
    path.write_text(
        f"<!DOCTYPE testsuites [{''.join(levels)}]>\n"
        '<testsuites><testcase classname="a" name="b">'
        '<failure message="&l9;">&l9;</failure></testcase></testsuites>'
    )
    started = time.monotonic()
    with pytest.raises(
        ResultFileError, match="not XML: Maximum entity amplification factor exceeded"
    ):
        JUNIT.parse(path, "shop")
    assert time.monotonic() - started < budget(2)
