"""Cluster pages in a real headless Chromium: a cluster line expands to its members, the contradictions page
shows both sides, the timeline chart is drawn as inline SVG with nothing fetched from elsewhere."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from chipwatch.dashboard import create_app
from chipwatch.storage.db import open_database

from .clustered import Clustered, seed_clusters
from .conftest import serving
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _browser_or_reason

SHOTS = ARTIFACTS.parent / "dashboard-clusters"  # test_browser.py empties its own folder when it starts


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = _browser_or_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def clustered_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Clustered]]:
    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('clusters') / 'db.sqlite'}")
    seeded = seed_clusters(db)
    with serving(lambda _port: create_app(db)) as url:
        yield url, seeded
    db.dispose()


def test_a_cluster_line_expands_to_its_members(browser, clustered_site) -> None:  # type: ignore[no-untyped-def]
    base, _ = clustered_site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base + "/clusters?entity=NVIDIA")
    line = page.locator("details.cluster", has_text="3 sources")
    assert line.count() == 1 and "en ja zh" in line.locator("summary").inner_text()
    members = line.locator("article.claim")
    assert not members.first.is_visible()  # folded: one line per fact
    line.locator("summary").click()
    assert members.count() == 3 and members.first.is_visible()
    assert "英伟达第二财季营收467亿美元" in members.first.inner_text()
    page.screenshot(path=str(SHOTS / "clusters.png"), full_page=True)

    page.goto(base + "/contradictions")
    item = page.locator("article.contradiction")
    assert item.count() == 1 and item.locator(".side").count() == 2
    assert "forum" in item.inner_text() and "cn-wire" in item.inner_text()
    page.screenshot(path=str(SHOTS / "contradictions.png"), full_page=True)

    page.goto(base + "/timeline?entity=NVIDIA&metric=revenue")
    assert page.locator("figure.timeline svg circle.dot").count() == 3
    box = page.locator("figure.timeline svg").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 80
    assert page.locator("table.timeline-points tbody tr").count() == 3
    page.screenshot(path=str(SHOTS / "timeline.png"), full_page=True)
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    context.close()


def test_cluster_pages_fit_a_phone(browser, clustered_site) -> None:  # type: ignore[no-untyped-def]
    base, _ = clustered_site
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    page = context.new_page()
    for path in ("/clusters", "/contradictions", "/timeline?entity=NVIDIA"):
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px phone"
        page.screenshot(path=str(SHOTS / f"phone{path.split('?')[0].replace('/', '-')}.png"), full_page=True)
    context.close()
