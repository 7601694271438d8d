"""Deduplication across URLs (rel=canonical, same text, spun re-posts) and the backoff schedule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from chipwatch.config import settings_from_dict
from chipwatch.pipeline.cycle import run_cycle
from chipwatch.pipeline.neardup import containment, distance, simhash
from chipwatch.storage.db import Database
from chipwatch.storage.models import Article, ArticleAlias
from chipwatch.storage.sources import backoff_delay

SEED = (Path(__file__).resolve().parents[2] / "cli" / "samples" / "site" / "zh_jevons_inference.txt").read_text(
    encoding="utf-8"
)


def _page(title: str, body: str, canonical: str | None = None) -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n") if p.strip())
    return f"<html><head><meta charset='utf-8'><title>{title}</title>{link}</head><body><article><h1>{title}</h1>{paras}</article></body></html>".encode()


def _spun(text: str) -> str:
    lines = text.split("\n")
    return (
        "\n".join(
            ln.replace("英伟达", "辉达").replace("推理", "推断") if i % 3 == 0 else ln for i, ln in enumerate(lines)
        )
        + "\n免责声明：本文仅供参考。"
    )


def test_simhash_separates_spun_reposts_from_other_articles() -> None:
    other = (Path(__file__).resolve().parents[2] / "cli" / "samples" / "site" / "zh_shovel_seller.txt").read_text(
        encoding="utf-8"
    )
    a, b, c = simhash(SEED), simhash(_spun(SEED)), simhash(other)
    assert a is not None and b is not None and c is not None
    assert distance(a, b) < distance(a, c)
    assert containment(SEED, _spun(SEED)) > 0.9 > 0.1 > containment(SEED, other)
    assert simhash("短") is None


def test_simhash_values_stay_the_ones_already_stored() -> None:
    # Fingerprints live in the database: a faster simhash must give the very same numbers (these two were
    # computed by the first, bit-by-bit implementation), or stored articles stop matching their re-posts.
    zh = "英伟达股价暴跌近17%，市值单日蒸发近6000亿美元，创下美国上市公司单日市值损失的纪录。" * 3
    en = "Packaging capacity at the plant will grow next year, according to people familiar with the plan. " * 2
    assert simhash(zh) == 7504970872593363890
    assert simhash(en) == 8218973750565057332


def test_reposts_are_stored_once_and_their_urls_become_aliases(db: Database, site: Any) -> None:
    items = [
        ("orig", SEED, None),
        ("canon", SEED, f"{site.url}/a/orig"),
        ("copy", SEED, None),
        ("spun", _spun(SEED), None),
    ]
    feed = "".join(
        f"<item><title>{n}</title><link>{site.url}/a/{n}?utm_medium=rss</link><guid>{n}</guid></item>"
        for n, _, _ in items
    )
    site.routes["/feed.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        f'<rss version="2.0"><channel><title>t</title>{feed}</channel></rss>'.encode(),
    )
    for name, body, canonical in items:
        site.routes[f"/a/{name}"] = (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            _page("标题" if name != "spun" else "新标题：辉达怎么看", body, canonical),
        )
    settings = settings_from_dict(
        {
            "sources": [{"name": "f", "kind": "feed", "url": f"{site.url}/feed.xml"}],
            "http": {"allow_private_networks": True},
        }
    )

    first = run_cycle(db, settings)
    assert first.polls[0].aliases == 1 and first.processing.duplicates == 2 and first.processing.processed == 1
    with db.session() as s:
        articles = {a.canonical_url.rsplit("/", 1)[1]: a for a in s.scalars(select(Article))}
        aliases = {al.url.rsplit("/", 1)[1]: (al.reason, al.article_id) for al in s.scalars(select(ArticleAlias))}
    assert set(articles) == {"orig", "copy", "spun"}  # "canon" named orig as its canonical: never a row
    assert articles["orig"].status == "processed" and articles["orig"].simhash is not None
    assert articles["copy"].status == articles["spun"].status == "duplicate"
    assert articles["copy"].duplicate_of == articles["spun"].duplicate_of == articles["orig"].id
    assert articles["copy"].text is None
    assert aliases == {
        "canon": ("canonical", articles["orig"].id),
        "copy": ("same-text", articles["orig"].id),
        "spun": ("near-duplicate", articles["orig"].id),
    }

    site.routes["/feed.xml"] = site.routes["/feed.xml"]  # same feed, no validators: a full refetch
    hits_before = {k: v for k, v in site.hits.items() if k.startswith("/a/")}
    second = run_cycle(db, settings)
    assert sum(len(p.new_article_ids) for p in second.polls) == 0 and second.processing.duplicates == 0
    assert {k: v for k, v in site.hits.items() if k.startswith("/a/")} == hits_before  # no page fetched again


def test_backoff_doubles_with_jitter_and_respects_cap_and_retry_after() -> None:
    every, cap = timedelta(minutes=15), timedelta(hours=6)
    mid = lambda: 0.5  # noqa: E731 - no jitter at the middle of the range
    assert backoff_delay(1, every, cap, rand=mid) == every
    assert backoff_delay(3, every, cap, rand=mid) == every * 4
    assert backoff_delay(30, every, cap, rand=mid) == cap
    assert (
        timedelta(minutes=48)
        <= backoff_delay(3, every, cap, rand=lambda: 0.0)
        < every * 4
        < backoff_delay(3, every, cap, rand=lambda: 0.999)
    )
    assert backoff_delay(1, every, cap, retry_after=7200, rand=mid) == timedelta(hours=2)
