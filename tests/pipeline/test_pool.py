"""The analysis pool: the same stored outcome as analysing in one process, from worker processes of its own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from chipwatch.cli.loopback import load_sample_articles, render_page
from chipwatch.config import settings_from_dict
from chipwatch.pipeline.cycle import run_cycle
from chipwatch.pipeline.pool import MIN_BATCH_FOR_POOL, AnalysisPool
from chipwatch.pipeline.process import PendingArticle, analyse_pending
from chipwatch.storage.db import Database, open_database
from chipwatch.storage.export import export_rows


def _inbox(folder: Path, copies: int) -> Path:
    """Sample pages, each page `copies` times with a line of its own (distinct files, some re-posts)."""
    folder.mkdir()
    for article in load_sample_articles():
        for copy in range(copies):
            page = render_page(article).replace(b"</article>", f"<p>copy {copy}</p></article>".encode())
            (folder / f"{article.slug}-{copy}.html").write_bytes(page)
    return folder


def _outcome(db: Database) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with db.session() as s:
        articles = sorted(
            (Path(a["url"]).name, a["status"], a.get("language"), a.get("title")) for a in export_rows(s, "articles")
        )
        claims = sorted((c["text"], c["score"], c["notable"]) for c in export_rows(s, "claims"))
    return articles, claims


def test_a_cycle_on_the_pool_stores_what_one_process_stores(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path / "inbox", copies=3)
    assert len(list(inbox.iterdir())) >= MIN_BATCH_FOR_POOL
    results = []
    for name, workers in (("one", 1), ("pool", 2)):
        settings = settings_from_dict(
            {
                "sources": [{"name": "inbox", "kind": "directory", "path": str(inbox)}],
                "processing": {"workers": workers},
            }
        )
        db = open_database(f"sqlite:///{tmp_path / name}.db")
        try:
            with AnalysisPool(settings.processing.workers) as pool:
                report = run_cycle(db, settings, pool=pool)
                assert pool.started == (workers > 1)
            assert report.processing.processed > 0 and report.processing.duplicates > 0
            results.append(_outcome(db))
        finally:
            db.dispose()
    assert results[0] == results[1]
    assert results[0][1], "the sample pages make claims"


def _pid(_article: PendingArticle) -> int:
    return os.getpid()


def test_the_pool_runs_on_worker_processes_started_once(tmp_path: Path) -> None:
    page = render_page(load_sample_articles()[0])
    batch = [PendingArticle(i, f"k{i}", f"file:///{i}", None, "text/html", page) for i in range(MIN_BATCH_FOR_POOL)]
    with AnalysisPool(2) as pool:
        assert list(pool.map(_pid, batch[:2])) == [os.getpid()] * 2  # too small to start the workers
        assert not pool.started
        first = set(pool.map(_pid, batch))
        second = set(pool.map(_pid, batch * 4))
        analysed = list(pool.map(analyse_pending, batch))
    assert os.getpid() not in first | second
    assert len(first | second) == 2  # the same two workers for every batch, kept warm
    assert all(a.document is not None and a.fingerprint is not None for a in analysed)
    assert [a.article.id for a in analysed] == [p.id for p in batch]
