"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.types import TypeDecorator, TypeEngine

# Row ids of the tables that grow with the news (articles, claims, alerts and the rows keyed by them): 64-bit.
# PostgreSQL needs BIGINT for that (migration 0008). On SQLite the column must stay exactly `INTEGER PRIMARY
# KEY`, the alias of the 64-bit rowid: a BIGINT primary key there is an ordinary column that no longer numbers
# itself.
RowId: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
# The largest id either database can store; a larger number (from a URL, a cursor) can name no row.
MAX_ROW_ID = 2**63 - 1


def fits_row_id(value: int) -> bool:
    """True when `value` can be bound as a row id on both databases (a signed 64-bit integer)."""
    return -(2**63) <= value <= MAX_ROW_ID


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out.

    SQLite hands back naive datetimes even for DateTime(timezone=True) (STACK-NOTES), so the
    boundary normalises both ways; a naive value passed in is taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
