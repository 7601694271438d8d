"""A saved e-mail (.eml, e.g. a newsletter): its subject, date, id and body as UTF-8 HTML or text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime


class EmailError(ValueError):
    """The file holds no readable message body."""


@dataclass(frozen=True)
class Email:
    subject: str | None
    date: datetime | None
    message_id: str | None
    body: bytes  # UTF-8
    content_type: str  # text/html or text/plain, with charset=utf-8


def read_email(data: bytes) -> Email:
    """Prefer the HTML part (newsletters), else the plain-text one; decoded by the part's own charset
    and transfer encoding, re-encoded as UTF-8 so later stages need not know the original."""
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    part = msg.get_body(preferencelist=("html", "plain"))
    if part is None:
        raise EmailError("no text/html or text/plain part in the message")
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError) as exc:  # an unknown charset name
        payload = part.get_payload(decode=True) or b""
        if not payload:
            raise EmailError(f"unreadable body: {exc}") from None
        text = payload.decode("utf-8", errors="replace")
    if not str(text).strip():
        raise EmailError("the message body is empty")
    subtype = part.get_content_subtype()
    return Email(
        subject=str(msg["subject"]).strip() or None if msg["subject"] else None,
        date=_date(msg["date"]),
        message_id=str(msg["message-id"]).strip() or None if msg["message-id"] else None,
        body=str(text).encode("utf-8"),
        content_type=f"text/{subtype}; charset=utf-8",
    )


def _date(value: object) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
