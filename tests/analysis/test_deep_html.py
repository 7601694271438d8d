"""HTML nested past libxml2's depth limit (256 levels) keeps its text: it used to come out as "no article text"."""

from __future__ import annotations

import pytest
import trafilatura

from chipwatch.analysis.deep_html import flatten_deep_html, may_be_too_deep
from chipwatch.analysis.document import analyse_bytes
from chipwatch.analysis.extract import extract_document

LEAD = "NVIDIA shares fell 17% after TSMC said capacity for advanced packaging would double next year."
SECOND = "Demand for H100 servers in China rose 30% in the quarter, according to two distributors."


def _page(depth: int, inner: str, *, charset: str = "utf-8", tag: str = "div") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>Deep page</title></head><body>'
        f"{f'<{tag}>' * depth}{inner}{f'</{tag}>' * depth}</body></html>"
    )


@pytest.mark.parametrize("depth", [300, 5_000])
def test_text_nested_deeper_than_the_parser_goes_is_analysed(depth: int) -> None:
    page = _page(depth, f"<p>{LEAD}</p><p>{SECOND}</p>").encode()
    assert trafilatura.extract(page) is None  # what libxml2 alone makes of it: nothing

    doc = analyse_bytes(page, content_type="text/html")

    assert LEAD in doc.extracted.text and SECOND in doc.extracted.text
    assert doc.extracted.title == "Deep page"
    assert {"NVIDIA", "TSMC", "H100"} <= set(doc.analysis.entities)
    assert any(c.notable and "17%" in c.text for c in doc.analysis.claims)


def test_shallow_and_deep_text_stay_in_order_without_script_and_with_entities() -> None:
    deep = (
        "<div>" * 400 + "<p>Deep &amp; early: NVIDIA&#x2019;s <b>shares</b> <i>fell</i> 17%.</p>"
        "<script>var leaked = 'SCRIPT TEXT';</script><style>p{color:red}</style>"
        f"<section><h2>{SECOND}</h2></section>" + "</div>" * 400
    )
    page = _page(1, f"<article><p>{LEAD}</p>{deep}<p>AMD said MI300 sales rose 40% this year.</p></article>")

    text = extract_document(page.encode(), content_type="text/html").text

    lines = text.splitlines()
    assert lines == [
        LEAD,
        "Deep & early: NVIDIA\u2019s shares fell 17%.",  # entities decoded, inline tags joined with their spaces
        SECOND,
        "AMD said MI300 sales rose 40% this year.",
    ]
    assert "SCRIPT TEXT" not in text and "color" not in text


@pytest.mark.parametrize("encoding", ["gbk", "shift_jis", "utf-16"])
def test_deep_pages_decode_like_shallow_ones(encoding: str) -> None:
    text = (
        "英伟达股价暴跌17%，台积电称先进封装产能明年将翻倍。"
        if encoding != "shift_jis"
        else "エヌビディアの株価は17%下落し、TSMCは生産能力を倍増させると述べた。"
    )
    page = _page(600, f"<p>{text}</p><p>{text}</p>", charset=encoding).encode(encoding)
    assert text in extract_document(page, content_type="text/html").text


def test_ordinary_pages_are_not_touched() -> None:
    # 300 unclosed <p>: the tag scan says "maybe", the parsed tree (p closes p) says no, trafilatura runs as ever.
    paras = "".join(f"<p>Paragraph {i} says TSMC capacity grew {i}% this year in Taiwan." for i in range(300))
    page = _page(3, paras).encode()
    assert may_be_too_deep(page)
    ours = extract_document(page, content_type="text/html")
    theirs = trafilatura.bare_extraction(page, with_metadata=True, include_comments=False, include_tables=False)
    assert ours.text == theirs.text.strip()
    assert not may_be_too_deep(_page(20, f"<p>{LEAD}</p>" * 50).encode())


def test_flattening_bounds_the_depth_and_keeps_the_outer_levels_as_written() -> None:
    flat = flatten_deep_html(_page(2_000, f"<p>{LEAD}</p>", tag="span"), keep_depth=50)
    assert flat.startswith('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Deep page</title></head>')
    assert flat.count("<span>") == 50 - 2  # html and body are two of the kept levels
    assert f"<p>{LEAD}</p>" in flat
    assert not may_be_too_deep(flat.encode(), limit=60)
