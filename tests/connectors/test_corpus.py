"""The encoding corpus (corpus/*.xml, *.html): each file states, in an ASCII `Expect:` comment, the
Content-Type the loopback server sends (sometimes wrong on purpose) and the title that must come out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chipwatch.config import SourceConfig
from chipwatch.connectors.charset import html_as_utf8
from chipwatch.connectors.feed import FeedConnector
from chipwatch.connectors.http import HttpClient, HttpOptions
from chipwatch.connectors.page import PageConnector

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".xml", ".html"))
_EXPECT = re.compile(r"Expect: (\{.*?\}) -->")


def expectation(data: bytes) -> dict[str, Any]:
    """Find the ASCII Expect comment whatever the file's encoding (UTF-16/32 included)."""
    for codec in ("utf-32", "utf-16", "utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be", "latin-1"):
        try:
            match = _EXPECT.search(data.decode(codec))
        except UnicodeDecodeError:
            continue
        if match:
            return json.loads(match.group(1))
    raise AssertionError("fixture has no Expect: comment")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_decodes_to_its_expected_title(path: Path, site: Any) -> None:
    data = path.read_bytes()
    expect = expectation(data)
    site.routes["/doc"] = (200, {"Content-Type": expect["serve"]}, data)
    kind = "feed" if path.suffix == ".xml" else "page"
    source = SourceConfig(name="c", kind=kind, url=f"{site.url}/doc", robots=False)
    connector = FeedConnector() if kind == "feed" else PageConnector()
    with HttpClient(HttpOptions(allow_private_networks=True)) as client:
        entries = connector.fetch(source, {}, client).entries
    assert entries, f"{path.name}: no entries"
    assert entries[0].title == expect["title"], path.name
    if kind == "page":
        # The page itself, as the pipeline stores it: UTF-8 whatever it was served as.
        body, ctype = html_as_utf8(data, expect["serve"])
        assert expect["title"] in body.decode("utf-8") and ctype == "text/html; charset=utf-8"


def test_corpus_covers_the_required_encodings() -> None:
    names = " ".join(p.name for p in FILES)
    for needed in ("gb18030", "gbk", "big5", "shift_jis", "euc_jp", "utf16", "utf32"):
        assert f"feed_{needed}" in names and f"page_{needed}" in names
