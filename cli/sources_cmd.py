"""`chipwatch sources list`: one line per source for people, one JSON object per source with `--json`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chipwatch.cli.terminal import json_line, printable
from chipwatch.storage.sources import fetch_counts_text
from chipwatch.timefmt import relative


def _ago(value: str | None, now: datetime | None) -> str:
    return relative(datetime.fromisoformat(value), now) if value else "never"


def source_line(row: dict[str, Any], now: datetime | None = None) -> str:
    """name, kind, status, articles (with what is listed, pending and given up), when it was last polled and
    is next due (relative), a health problem with its start, the last error."""
    err = f"  {row['last_error']}" if row["last_error"] else ""
    if row.get("failing_since"):
        err = f"  FAILING since {_ago(row['failing_since'], now)}: {row['health']}{err}"
    last = _ago(row["last_checked"], now)
    due = _ago(row["next_check"], now) if row["next_check"] else "now"
    return printable(
        f"{row['name']:<24} {row['kind']:<9} {row['status']:<12} {row['articles']:>6} articles "
        f"({fetch_counts_text(row)})  "
        f"last poll {last}, next {due}{err}"
    )


def print_sources(rows: list[dict[str, Any]], as_json: bool) -> None:
    for row in rows:
        print(json_line(row) if as_json else source_line(row))
