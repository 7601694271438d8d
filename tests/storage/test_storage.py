from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import inspect, select

from chipwatch.storage.articles import NewArticle, add_articles, unseen
from chipwatch.storage.claims import add_claims
from chipwatch.storage.db import Database, open_database
from chipwatch.storage.models import Source
from chipwatch.storage.sources import SourceSpec, sync_sources


def _article(source_id: int, n: int, guid: str | None = None) -> NewArticle:
    return NewArticle(
        source_id=source_id,
        url=f"http://127.0.0.1/a/{n}",
        canonical_url=f"http://127.0.0.1/a/{n}",
        guid=guid,
        title=f"t{n}",
        published=datetime(2025, 1, 27, 8, tzinfo=timezone(timedelta(hours=8))),
        content_type="text/html",
        raw=b"<p>x</p>",
    )


def _source(db: Database, name: str = "s") -> int:
    with db.session() as s, s.begin():
        return sync_sources(s, [SourceSpec(name, "feed", "http://127.0.0.1/f")])[name].id


def test_migrations_create_every_table(db: Database) -> None:
    assert {"sources", "articles", "claims", "alerts", "alembic_version"} <= set(inspect(db.engine).get_table_names())


def test_reopening_runs_migrations_idempotently(db: Database) -> None:
    again = open_database(db.engine.url.render_as_string(hide_password=False))
    assert "claims" in inspect(again.engine).get_table_names()
    again.dispose()


def test_articles_insert_once_by_canonical_url(db: Database) -> None:
    sid = _source(db)
    with db.session() as s, s.begin():
        first = add_articles(s, [_article(sid, 1), _article(sid, 2)])
    with db.session() as s, s.begin():
        second = add_articles(s, [_article(sid, 1), _article(sid, 3)])
    assert len(first) == 2 and len(second) == 1


def test_unseen_recognises_known_guid_under_a_new_url(db: Database) -> None:
    sid = _source(db)
    with db.session() as s, s.begin():
        add_articles(s, [_article(sid, 1, guid="g-1")])
    with db.session() as s:
        fresh = unseen(s, sid, [("http://127.0.0.1:9999/a/1", "g-1"), ("http://127.0.0.1/a/2", "g-2")])
    assert fresh == {"http://127.0.0.1/a/2"}


def test_datetimes_come_back_timezone_aware_in_utc(db: Database) -> None:
    sid = _source(db)
    with db.session() as s, s.begin():
        add_articles(s, [_article(sid, 1)])
    with db.session() as s:
        from chipwatch.storage.articles import articles_to_process

        art = articles_to_process(s)[0]
    assert art.published == datetime(2025, 1, 27, 0, tzinfo=UTC)
    assert art.published.tzinfo is not None


def test_claims_are_keyed_by_fingerprint(db: Database) -> None:
    sid = _source(db)
    with db.session() as s, s.begin():
        aid = add_articles(s, [_article(sid, 1)])[0]
    claim = {
        "text": "英伟达股价暴跌17%",
        "entities": ["NVIDIA"],
        "topics": [],
        "stance": "bearish",
        "quantities": [{"value": 17, "unit": "%", "text": "17%"}],
        "score": 0.9,
        "notable": True,
        "why": [],
    }
    with db.session() as s, s.begin():
        assert len(add_claims(s, aid, "k", "zh", [claim])) == 1
    with db.session() as s, s.begin():
        assert add_claims(s, aid, "k", "zh", [{**claim, "text": "英伟达股价暴跌17%  "}]) == []


def test_sources_dropped_from_config_are_disabled_not_deleted(db: Database) -> None:
    _source(db, "a")
    with db.session() as s, s.begin():
        sync_sources(s, [SourceSpec("b", "feed", "http://127.0.0.1/g")])
    with db.session() as s:
        rows = {r.name: r.status for r in s.scalars(select(Source))}
    assert rows == {"a": "disabled", "b": "ok"}
