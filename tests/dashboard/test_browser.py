"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Never `playwright install`: the browser comes from apt (.ci/run installs it). Under CI=true a missing
browser fails these tests; elsewhere they are skipped with the reason. Screenshots land in
test-artifacts/dashboard/ for a human to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from chipwatch.dashboard import create_app
from chipwatch.dashboard.host_guard import loopback_names
from chipwatch.storage.db import open_database

from .conftest import XSS_TEXT, Corpus, seed_corpus, serving

# Debian's browser; CHIPWATCH_TEST_CHROMIUM points elsewhere only to test the missing-browser rule.
CHROMIUM = os.environ.get("CHIPWATCH_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


def _browser_or_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium fonts-wqy-zenhei (.ci/run does this)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Corpus]]:
    """uvicorn serving the app over a seeded SQLite file on a loopback port, in a thread."""
    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'db.sqlite'}")
    corpus = seed_corpus(db)
    with serving(lambda _port: create_app(db)) as url:
        yield url, corpus
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
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


@pytest.fixture
def page(browser, live):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    context.close()


def test_claims_page_filter_and_article(page, live) -> None:  # type: ignore[no-untyped-def]
    base, corpus = live
    page.goto(base + "/claims")
    assert page.locator("article.claim").count() == 5
    page.screenshot(path=str(ARTIFACTS / "claims.png"), full_page=True)

    page.fill("input[name=entity]", "TSMC")
    page.click("button[type=submit]")
    page.wait_for_url("**/claims?*entity=TSMC*")
    assert page.locator("article.claim").count() == 1
    assert "TSMC raised capex" in page.locator("article.claim").inner_text()
    page.screenshot(path=str(ARTIFACTS / "claims-filtered.png"), full_page=True)

    page.fill("input[name=entity]", "")
    page.select_option("select[name=stance]", "bearish")
    page.click("button[type=submit]")
    page.wait_for_url("**stance=bearish*")
    assert page.locator("article.claim").count() == 3

    page.locator("article.claim", has_text="英伟达股价暴跌").locator("a.open-article").click()
    page.wait_for_url(f"**/articles/{corpus.articles['zh']}")
    assert page.locator("a.hl").count() == 2
    assert page.locator("h1").inner_text() == "英伟达暴跌"
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)


def test_hostile_claim_stays_inert(page, live) -> None:  # type: ignore[no-untyped-def]
    base, corpus = live
    for path in ("/", f"/articles/{corpus.articles['xss']}"):
        page.goto(base + path)
        assert page.title() != "pwned" and page.title() != "1", path
        assert page.locator("main script").count() == 0, path
        assert page.locator("main img").count() == 0, path  # the <img onerror> title is text
        assert page.locator("a[href^='javascript:' i]").count() == 0, path
        assert page.evaluate("document.title") not in ("pwned", "1")
        assert page.dialogs == []
    assert XSS_TEXT in page.locator("main").inner_text()  # shown literally, as text
    assert page.locator(".inert-url").first.inner_text().startswith("javascript:")
    page.screenshot(path=str(ARTIFACTS / "xss-article.png"), full_page=True)


def test_phone_dark_mode_and_entity_chart(browser, live) -> None:  # type: ignore[no-untyped-def]
    base, _ = live
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark", device_scale_factor=2)
    pg = context.new_page()
    pg.goto(base + "/entities/NVIDIA")
    assert pg.locator("svg rect.bar").count() >= 1
    background = pg.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(20, 22, 26)"  # the dark palette
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone: horizontal scrolling"
    pg.screenshot(path=str(ARTIFACTS / "entity-phone-dark.png"), full_page=True)
    pg.goto(base + "/claims")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    pg.screenshot(path=str(ARTIFACTS / "claims-phone-dark.png"), full_page=True)
    context.close()


def test_alert_retry_from_the_alerts_page(page, live) -> None:  # type: ignore[no-untyped-def]
    base, corpus = live
    page.goto(base + "/alerts?state=failed")
    page.locator(f"form[action='/alerts/{corpus.alerts['failed']}/retry'] button").click()
    page.wait_for_url("**/alerts?done=*")
    assert "pending again" in page.locator(".notice").inner_text()
    assert "failed (0)" in page.locator(".counts").inner_text()
    page.screenshot(path=str(ARTIFACTS / "alerts.png"), full_page=True)


def test_a_rebound_name_gets_nothing_and_the_dashboard_still_posts(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """DNS rebinding in a real browser (issue 16, item 6): Chromium resolves rebind.test to 127.0.0.1, as an
    attacker's DNS would after the page loaded; the loopback server started for its own names refuses it,
    while the retry form of the dashboard opened by its own name still works (the browser's Origin passes)."""
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    corpus = seed_corpus(db)
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"]
    rebinding = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        with serving(lambda port: create_app(db, allowed_hosts=loopback_names("127.0.0.1", port))) as base:
            port = base.rsplit(":", 1)[1]
            pg = rebinding.new_page()
            rebound = pg.goto(f"http://rebind.test:{port}/alerts")
            assert rebound is not None and rebound.status == 400
            assert "is not a name this server answers to" in pg.content() and 'name="csrf"' not in pg.content()
            pg.goto(f"http://localhost:{port}/alerts?state=failed")
            pg.locator(f"form[action='/alerts/{corpus.alerts['failed']}/retry'] button").click()
            pg.wait_for_url("**/alerts?done=*")
            assert "failed (0)" in pg.locator(".counts").inner_text()
    finally:
        rebinding.close()
        db.dispose()
