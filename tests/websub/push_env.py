"""The pieces of a push test: a feed site naming a loopback WebSub hub, settings, and what a test gets."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from websub_hub import Hub

from chipwatch.config import Settings, settings_from_dict
from chipwatch.pipeline.websub import PushReceiver
from chipwatch.storage.db import Database

NOTABLE = (
    "<html><head><meta charset='utf-8'><title>英伟达暴跌 {i}</title></head><body><article><h1>英伟达暴跌 {i}</h1>"
    "<p>美国科技股本周遭到重创，英伟达股价暴跌近17%，市值单日蒸发近6000亿美元，创下美国上市公司单日市值损失的纪录。</p>"
    "<p>{filler}</p></article></body></html>"
)
_WORDS = [
    "wafer",
    "packaging",
    "yield",
    "demand",
    "export",
    "licence",
    "quarter",
    "margin",
    "revenue",
    "guidance",
    "foundry",
    "node",
    "memory",
    "bandwidth",
    "cluster",
    "datacenter",
    "inference",
    "training",
    "order",
    "backlog",
    "supplier",
    "shipment",
    "customer",
    "contract",
    "price",
    "forecast",
]


def notable_page(slug: str) -> bytes:
    """A notable article whose other text differs per slug, so pages are not near-duplicates of each other."""
    rnd = random.Random(slug)
    filler = " ".join(f"{rnd.choice(_WORDS)}-{rnd.getrandbits(24):x}" for _ in range(120))
    return NOTABLE.format(i=slug, filler=filler).encode()


@dataclass
class FeedSite:
    """An RSS feed on loopback that names `hub_url` as its hub; items are added by the test."""

    hub_url: str
    slugs: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        from chipwatch.cli.loopback import LoopbackServer

        self.server = LoopbackServer(self._handle)
        self.url = self.server.url
        self.topic = f"{self.url}/feed.xml"

    def add(self, slug: str) -> None:
        with self.lock:
            self.slugs.append(slug)

    def body(self) -> bytes:
        with self.lock:
            items = "".join(
                f"<item><title>{s}</title><link>{self.url}/p/{s}.html</link><guid>{s}</guid></item>" for s in self.slugs
            )
        return (
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>pushed</title>'
            f'<atom:link rel="hub" href="{self.hub_url}"/><atom:link rel="self" href="{self.topic}"/>{items}'
            "</channel></rss>"
        ).encode()

    def _handle(self, req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        path = req.path.split("?")[0]
        if path == "/feed.xml":
            return 200, {"Content-Type": "application/rss+xml"}, self.body()
        if path.startswith("/p/") and path.endswith(".html"):
            slug = path[3:-5]
            return 200, {"Content-Type": "text/html; charset=utf-8"}, notable_page(slug)
        return 404, {}, b"not found"


@dataclass
class PushSetup:
    db: Database
    settings: Settings
    hub: Hub
    site: FeedSite
    push: PushReceiver
    app_url: str
    received: Any  # what the apprise receiver got
    target: str  # its notification URL

    def settings_with(self, **extra: Any) -> Settings:
        """The same setup's settings with some keys replaced (sources disabled, push off, ...)."""
        return make_settings(self.app_url, self.site.topic, self.target, **extra)


def make_settings(app_url: str | None, feed_url: str, target: str, **extra: Any) -> Settings:
    data: dict[str, Any] = {
        "sources": [{"name": "pushed", "kind": "feed", "url": feed_url, "every": "1m"}],
        "alerts": [{"name": "notable", "min_score": 0.5, "notify": [target]}],
        "http": {"allow_private_networks": True},
        "public_url": app_url,
        **extra,
    }
    return settings_from_dict(data)
