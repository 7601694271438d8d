"""A claim with the article and source it came from: the one join every reader of claims needs
(alert messages, the dashboard, the API, the Atom feed, exports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select

from chipwatch.storage.models import Article, Claim, Source


@dataclass(frozen=True)
class ClaimInContext:
    claim: Claim
    article_url: str
    article_title: str | None
    source: str
    published: datetime | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> ClaimInContext:
        claim, url, title, source, published = row
        return cls(claim, url, title, source, published)


def claims_in_context() -> Select[Any]:
    """SELECT claims joined to their article and source, in the column order `ClaimInContext.from_row` reads."""
    return (
        select(Claim, Article.url, Article.title, Source.name, Article.published)
        .join(Article, Claim.article_id == Article.id)
        .join(Source, Article.source_id == Source.id)
    )
