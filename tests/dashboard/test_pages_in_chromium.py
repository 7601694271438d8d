"""Every page as a person meets it, in headless Chromium at 1280x900 and on a phone (390x844): no horizontal
scroll, no overlapping text, CJK text rendered at a readable size, the overview's charts present. Screenshots
land in test-artifacts/pages/ for a human to look at."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chipwatch.dashboard import create_app
from chipwatch.storage.db import open_database
from chipwatch.storage.source_polls import PollRecord, record_source_poll
from chipwatch.storage.sources import source_by_name
from chipwatch.storage.types import utcnow

from .conftest import Corpus, seed_corpus, serving
from .test_browser import CHROMIUM, CHROMIUM_ARGS, _browser_or_reason

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pages"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

# Pairs of text boxes (leaf elements with text) that intersect, neither inside the other.
OVERLAPS_JS = """() => {
  const boxes = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.children.length || !el.textContent.trim()) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || el.closest('svg')) continue;
    for (const r of el.getClientRects()) if (r.width > 1 && r.height > 1) boxes.push([el, r]);
  }
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ra] = boxes[i], [b, rb] = boxes[j];
    if (a === b || a.contains(b) || b.contains(a)) continue;
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 2 && h > 2) out.push(a.textContent.trim().slice(0, 30) + ' / ' + b.textContent.trim().slice(0, 30));
  }
  return out;
}"""
# The smallest font size and the rendered width of elements whose own text holds Han or kana.
CJK_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
    if (!/[\\u3040-\\u30ff\\u4e00-\\u9fff]/.test(own)) continue;
    out.push([parseFloat(getComputedStyle(el).fontSize), el.getBoundingClientRect().width]);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Corpus]]:
    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('pages') / 'db.sqlite'}")
    corpus = seed_corpus(db)
    with db.session() as s, s.begin():
        source_id = source_by_name(s, "zh-forum").id
        for n in range(5):
            at = utcnow() - timedelta(minutes=15 * n)
            error = "HTTP 503 from 127.0.0.1:9/zh.xml, Retry-After 120s" if n == 1 else None
            record_source_poll(
                s, PollRecord(source_id, at, 0.4, 503 if error else 200, 12, n, error), timedelta(days=30)
            )
    with serving(lambda _port: create_app(db, timezone="Asia/Shanghai")) as url:
        yield url, corpus
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _browser_or_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _pages(corpus: Corpus) -> dict[str, str]:
    return {
        "overview": "/overview",
        "claims": "/claims",
        "sources": "/sources",
        "source": "/sources/zh-forum",
        "alerts": "/alerts",
        "article-zh": f"/articles/{corpus.articles['zh']}",
        "entity": "/entities/NVIDIA",
    }


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_page_fits_reads_and_draws_its_charts(browser: Any, live: tuple[str, Corpus], viewport: str) -> None:
    url, corpus = live
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems: list[str] = []
    try:
        for name, path in _pages(corpus).items():
            response = page.goto(url + path)
            assert response is not None and response.status == 200, path
            page.screenshot(path=str(ARTIFACTS / f"{name}-{viewport}.png"), full_page=True)
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{path}: scrolls sideways ({scroll} px wide in {width})")
            problems += [f"{path}: overlapping text {pair}" for pair in page.evaluate(OVERLAPS_JS)]
            cjk = page.evaluate(CJK_JS)
            if name in ("overview", "claims", "article-zh"):
                assert cjk, f"{path}: no Chinese text rendered"
            problems += [f"{path}: CJK text at {size}px" for size, w in cjk if size < 12 or w <= 0]
        page.goto(url + "/overview")
        assert page.locator("svg.spark polyline").count() >= 1  # the per-entity trend charts
        assert page.locator("svg.spark").first.bounding_box()["width"] > 40
        assert page.locator("time[title]").count() >= 1  # relative times, absolute on hover
        # The checks can fail: text laid over the heading and a too-wide block are both caught.
        page.evaluate(
            "() => { const d = document.createElement('div'); d.textContent = 'OVERLAY';"
            " d.style = 'position:absolute;top:0;left:0;width:3000px;font-size:80px';"
            " document.querySelector('h1').appendChild(d); }"
        )
        assert any("OVERLAY" in pair for pair in page.evaluate(OVERLAPS_JS))
        assert page.evaluate("() => document.documentElement.scrollWidth") > width
    finally:
        context.close()
    assert problems == []
