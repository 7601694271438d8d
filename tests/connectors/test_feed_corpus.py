"""feedparser's own test feeds with every article host unreachable (issue 15, bench/feed_corpus.py): nearly
every entry feedparser reads is stored after one poll, none twice after another, and the second poll is
conditional. The feeds come from the feedparser sdist, downloaded once into a cache (never committed)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "feed_corpus.py"


def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("feed_corpus", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["feed_corpus"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_feedparser_corpus_is_stored_with_unreachable_article_hosts(tmp_path: Path) -> None:
    bench = _bench()
    cache = Path(os.environ.get("CHIPWATCH_BENCH_CACHE", bench.DEFAULT_CACHE))
    try:
        bench.corpus_dir(cache)
    except (subprocess.CalledProcessError, OSError) as exc:
        pytest.skip(f"feedparser sdist not available in {cache} and not downloadable: {exc}")
    r = bench.run(cache, f"sqlite:///{tmp_path / 'corpus.db'}")
    assert r.feeds > 1000 and r.expected_entries > 1000
    assert r.stored_share >= 0.95, r
    assert r.own_title_entries / r.expected_entries >= 0.95, r
    assert r.new_in_second == 0 and r.articles_after_second == r.articles_after_first  # none duplicated
    assert r.not_modified_share >= 0.95, r
