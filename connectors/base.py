"""The protocol every source kind implements, and the values it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from chipwatch.config import SourceConfig
from chipwatch.connectors.http import HttpClient


@dataclass(frozen=True)
class Entry:
    """One item a source lists. `content` is set when the source already holds the document
    (a file in a directory); otherwise the pipeline fetches `url`."""

    url: str
    guid: str | None = None
    title: str | None = None
    published: datetime | None = None
    content: bytes | None = None
    content_type: str | None = None
    error: str | None = None  # the item is listed but unusable (too big, unreadable): stored as an error
    # When the source says the document last changed (sitemap lastmod, Atom updated, JSON date_modified):
    # a stored article older than this is fetched again.
    updated: datetime | None = None
    # What the listing itself says of the item, as plain text (a feed's summary or content): stored and
    # analysed when the page cannot be fetched, so an entry is never lost with its page.
    summary: str | None = None
    # Set when the item names no page of its own (no http(s) link): the storage key, and the listing's
    # text is the whole document.
    key: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """New entries and the state to hand back on the next poll. Errors are raised as FetchError."""

    entries: list[Entry]
    state: dict[str, Any] = field(default_factory=dict)
    not_modified: bool = False


class Connector(Protocol):
    def fetch(self, source: SourceConfig, state: dict[str, Any], client: HttpClient) -> FetchResult: ...
