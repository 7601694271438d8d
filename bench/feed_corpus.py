"""feedparser's own test feeds through chipwatch, with every article host unreachable (issue 15).

    python bench/feed_corpus.py [--cache DIR] [--database URL]

The feeds are the ones in the feedparser sdist of the installed version (`pip download --no-binary :all:`
into a cache directory, never committed). Every feed in which feedparser itself finds an entry is served
from a loopback server in a child process, with an ETag. Article links point at other hosts (example.org
and friends): the client's resolver refuses every name, so those pages fail at once without any traffic,
as in a network namespace with only loopback. Two cycles:

- after the first, how many of feedparser's entries are stored (per feed, feedparser's titles matched
  against the titles stored under that source) and how many are waiting for their page;
- after the second, nothing may be stored twice and the unchanged feeds must be answered 304.

Prints figures and returns them (tests/connectors/test_feed_corpus.py asserts the floors).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urljoin

import feedparser
from sqlalchemy import func, select

from chipwatch.config import SourceConfig
from chipwatch.connectors.http import HttpClient, HttpOptions
from chipwatch.connectors.urls import canonical_url
from chipwatch.pipeline.poll import PollOutcome, poll_sources
from chipwatch.pipeline.process import process_articles
from chipwatch.storage.db import Database, open_database
from chipwatch.storage.models import Article, Source
from chipwatch.storage.sources import SourceSpec, sync_sources

sys.path.insert(0, str(Path(__file__).resolve().parent))
from served import ServedSite

DEFAULT_CACHE = Path.home() / ".cache" / "chipwatch-bench"


@dataclass
class CorpusResult:
    feeds: int
    expected_entries: int
    stored_entries: int  # feedparser's entries stored: under their source with its title, or their URL is stored
    own_title_entries: int  # of those, found under their own source with feedparser's title
    articles_after_first: int
    articles_after_second: int
    new_in_second: int
    pages_pending: int
    not_modified_second: int
    first_s: float
    second_s: float

    @property
    def stored_share(self) -> float:
        return self.stored_entries / self.expected_entries

    @property
    def not_modified_share(self) -> float:
        return self.not_modified_second / self.feeds


def corpus_dir(cache: Path) -> Path:
    """feedparser's tests folder for the installed version, downloaded and unpacked once into `cache`."""
    ver = version("feedparser")
    tests = cache / f"feedparser-{ver}" / "tests"
    if tests.is_dir():
        return tests
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / f"feedparser-{ver}.tar.gz"
    if not sdist.exists():
        pip = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", "-q"]
        subprocess.run([*pip, f"feedparser=={ver}", "-d", str(cache)], check=True)
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if f"feedparser-{ver}/tests/" in m.name]
        tar.extractall(cache, members=members, filter="data")
    return tests


Expected = list[tuple[str | None, str | None]]  # feedparser's (title, link) per entry


def corpus_feeds(tests: Path) -> dict[str, tuple[bytes, Expected]]:
    """URL path -> (body, feedparser's entry titles and links) for every test feed where feedparser finds entries."""
    out: dict[str, tuple[bytes, Expected]] = {}
    for file in sorted(tests.rglob("*.xml")):
        body = file.read_bytes()
        parsed = feedparser.parse(body, response_headers={"content-type": "application/xml"})
        if parsed.entries:
            entries = [((e.get("title") or "").strip() or None, e.get("link")) for e in parsed.entries]
            out["/" + file.relative_to(tests).as_posix()] = (body, entries)
    return out


def corpus_routes(base: str, tests: str) -> dict[str, tuple[int, dict[str, str], bytes]]:
    return {
        path: (200, {"Content-Type": "application/xml", "ETag": f'"{hashlib.sha1(body).hexdigest()}"'}, body)
        for path, (body, _entries) in corpus_feeds(Path(tests)).items()
    }


def _unreachable(host: str, port: int) -> list[str]:
    raise OSError(101, "Network is unreachable (benchmark: only loopback exists)")


def run(cache: Path, database: str) -> CorpusResult:
    tests = corpus_dir(cache)
    feeds = corpus_feeds(tests)
    with ServedSite(corpus_routes, str(tests)) as site:
        sources = [
            SourceConfig(name=path.lstrip("/")[:200], kind="feed", url=f"{site.url}{path}", robots=False)
            for path in feeds
        ]
        db = open_database(database)
        options = HttpOptions(allow_hosts=("127.0.0.1",), resolver=_unreachable, timeout=10, http2=False)
        try:
            with db.session() as s, s.begin():
                sync_sources(s, [SourceSpec(src.name, "feed", src.url) for src in sources])
            with HttpClient(options) as client:
                start = time.perf_counter()
                first = poll_sources(db, client, sources)
                process_articles(db, limit=100_000)
                first_s = time.perf_counter() - start
                (stored, own), after_first = _stored(db, feeds, sources), _count(db)
                pending = sum(p.pages_pending for p in first)
                start = time.perf_counter()
                second = poll_sources(db, client, sources)
                process_articles(db, limit=100_000)
                second_s = time.perf_counter() - start
            after_second = _count(db)
        finally:
            db.dispose()
    _report_errors(first)
    return CorpusResult(
        feeds=len(feeds),
        expected_entries=sum(len(entries) for _, entries in feeds.values()),
        stored_entries=stored,
        own_title_entries=own,
        articles_after_first=after_first,
        articles_after_second=after_second,
        new_in_second=sum(len(p.new_article_ids) for p in second),
        pages_pending=pending,
        not_modified_second=sum(1 for p in second if p.not_modified),
        first_s=first_s,
        second_s=second_s,
    )


def _stored(db: Database, feeds: dict[str, tuple[bytes, Expected]], sources: list[SourceConfig]) -> tuple[int, int]:
    """feedparser's entries stored: (all, those under their own source with feedparser's title).

    Per feed, feedparser's titles are matched against the titles stored under that source. An entry that
    is not there may still be stored: its link is an article another feed listed first (one row per
    canonical URL, by design; feedparser's tests reuse http://www.example.com/ often)."""
    with db.session() as s:
        rows = s.execute(
            select(Source.name, Article.title, Article.canonical_url).join(Article, Article.source_id == Source.id)
        ).all()
    by_source: dict[str, Counter[str | None]] = {}
    for name, title, _url in rows:
        by_source.setdefault(name, Counter())[title] += 1
    urls = {url for _name, _title, url in rows}
    own = anywhere = 0
    for source, (_body, entries) in zip(sources, feeds.values(), strict=True):
        assert source.url is not None
        found = Counter(t for t, _ in entries) & by_source.get(source.name, Counter())
        own += sum(found.values())
        missing = Counter(t for t, _ in entries) - found
        for title, link in entries:
            if missing[title] and link and canonical_url(urljoin(source.url, link)) in urls:
                missing[title] -= 1
                anywhere += 1
    return own + anywhere, own


def _count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Article)) or 0


def _report_errors(polls: list[PollOutcome]) -> None:
    failed = [p for p in polls if p.error and not p.listed]
    for p in failed[:10]:
        print(f"  listing failed: {p.source}: {p.error}")
    if len(failed) > 10:
        print(f"  ... and {len(failed) - 10} more listings failed")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--database", default=None, help="default: a fresh SQLite file in a temp dir")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        r = run(args.cache, args.database or f"sqlite:///{Path(tmp) / 'corpus.db'}")
    print(f"feedparser {version('feedparser')} test feeds with entries: {r.feeds}, entries: {r.expected_entries}")
    print(
        f"first cycle ({r.first_s:.1f} s): {r.stored_entries} of {r.expected_entries} entries stored "
        f"({r.stored_share:.1%}); {r.own_title_entries} under their own feed with feedparser's title "
        f"({r.own_title_entries / r.expected_entries:.1%}); {r.articles_after_first} articles, "
        f"{r.pages_pending} waiting for their page"
    )
    print(
        f"second cycle ({r.second_s:.1f} s): {r.new_in_second} new articles, {r.articles_after_second} in all; "
        f"{r.not_modified_second} of {r.feeds} feeds answered 304 ({r.not_modified_share:.1%})"
    )


if __name__ == "__main__":
    main()
