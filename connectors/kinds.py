"""Which connector serves which `kind:`. Adding a kind is one module and one line here."""

from __future__ import annotations

from chipwatch.connectors.base import Connector
from chipwatch.connectors.directory import DirectoryConnector
from chipwatch.connectors.feed import FeedConnector
from chipwatch.connectors.page import PageConnector
from chipwatch.connectors.sitemap import SitemapConnector

CONNECTORS: dict[str, Connector] = {
    "feed": FeedConnector(),
    "page": PageConnector(),
    "sitemap": SitemapConnector(),
    "directory": DirectoryConnector(),
}


def connector_for(kind: str) -> Connector:
    try:
        return CONNECTORS[kind]
    except KeyError:
        raise NotImplementedError(
            f"source kind {kind!r} is not supported yet; supported: {', '.join(sorted(CONNECTORS))}"
        ) from None
