"""Claims as CSV, safe to open in a spreadsheet (cells neutralised by chipwatch.spreadsheet)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from chipwatch.dashboard.serialize import iso
from chipwatch.spreadsheet import neutralise
from chipwatch.storage.claim_context import ClaimInContext

COLUMNS = (
    "id",
    "created_at",
    "published",
    "source",
    "language",
    "stance",
    "score",
    "notable",
    "entities",
    "topics",
    "quantities",
    "text",
    "why",
    "article_title",
    "article_url",
    "withdrawn_at",
)


def _cells(row: ClaimInContext) -> list[object]:
    c = row.claim
    return [
        c.id,
        iso(c.created_at),
        iso(row.published),
        row.source,
        c.language,
        c.stance,
        f"{c.score:.3f}",
        "yes" if c.notable else "no",
        "; ".join(c.entities),
        "; ".join(c.topics),
        "; ".join(q.get("text", json.dumps(q, ensure_ascii=False)) for q in c.quantities),
        c.text,
        "; ".join(c.why),
        row.article_title,
        row.article_url,
        iso(c.withdrawn_at),
    ]


def csv_lines(rows: Iterable[ClaimInContext]) -> Iterator[str]:
    """The header and one line per claim, streamed (the export can be large)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    yield "\ufeff" + buf.getvalue()  # BOM: spreadsheets then read the CJK text as UTF-8
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([neutralise(v) for v in _cells(row)])
        yield buf.getvalue()
