"""`chipwatch export KIND --format jsonl|csv`: everything stored, streamed in id order.

CSV has a header row from the record's keys (the same keys as JSON Lines), lists of plain values joined with
"; ", anything nested (quantities, ...) as compact JSON, cells neutralised for spreadsheets, and a BOM so CJK
text opens as UTF-8.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from sqlalchemy.orm import Session

from chipwatch.cli.terminal import json_line
from chipwatch.spreadsheet import BOM, neutralise
from chipwatch.storage.export import export_rows


def cell(value: Any) -> str:
    """One CSV cell: '' for null, lists of scalars joined with '; ', nested values as JSON."""
    if value is None:
        return ""
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return neutralise("; ".join(str(v) for v in value))
    if isinstance(value, dict | list):
        return neutralise(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return neutralise(value)


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    writer: Any = None
    for row in rows:
        if writer is None:
            out.write(BOM)
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(list(row))
        writer.writerow([cell(v) for v in row.values()])


def write_export(session: Session, kind: str, fmt: str, out: TextIO) -> None:
    rows = export_rows(session, kind)
    if fmt == "csv":
        write_csv(rows, out)
        return
    for row in rows:
        out.write(json_line(row) + "\n")
