"""WebSub (W3C Recommendation, 2018) from the subscriber's side: finding a feed's hub, asking the hub to
subscribe or unsubscribe a callback, and checking the signature of what the hub delivers.

Discovery: `Link: <hub>; rel="hub"` and `rel="self"` HTTP headers win; otherwise the feed's own
`<link rel="hub">`/`<atom:link rel="hub">` and `rel="self"`. The topic is the self URL (the URL the hub knows
the feed by), else the URL it was fetched from. No network I/O here except `send_request`, which goes
through the shared HTTP client like every fetch.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.http import HttpClient

# State keys a feed source keeps its discovered hub under (between polls, with the ETag).
HUB_KEY, TOPIC_KEY = "websub_hub", "websub_topic"
# The signature methods the Recommendation names; the hub picks one.
SIGNATURE_METHODS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.IGNORECASE)


@dataclass(frozen=True)
class HubLinks:
    hub: str | None
    topic: str | None


def link_header_rels(values: Iterable[str]) -> dict[str, str]:
    """rel -> first URL, from Link header values (RFC 8288: `<url>; rel="a b"`, several per header)."""
    out: dict[str, str] = {}
    for value in values:
        for match in _LINK.finditer(value):
            url, params = match.group(1).strip(), match.group(2)
            rel = _REL.search(params)
            if not rel:
                continue
            for name in (rel.group(1) or rel.group(2) or "").lower().split():
                out.setdefault(name, url)
    return out


def discover(headers: dict[str, str], feed_links: Iterable[dict[str, str]], fetched_url: str) -> HubLinks:
    """The hub and topic of a fetched feed: from its HTTP `Link` headers first, else from the links in the
    document (feedparser's `feed.links`, dicts with `rel` and `href`)."""
    from_header = link_header_rels([headers[k] for k in headers if k.lower() == "link"])
    from_body: dict[str, str] = {}
    for link in feed_links:
        rel, href = (link.get("rel") or "").lower(), link.get("href")
        if href and rel in ("hub", "self"):
            from_body.setdefault(rel, href)
    hub = from_header.get("hub") or from_body.get("hub")
    topic = from_header.get("self") or from_body.get("self") or fetched_url
    hub = urljoin(fetched_url, hub) if hub else None
    if hub and urlsplit(hub).scheme not in ("http", "https"):
        hub = None
    return HubLinks(hub=hub, topic=urljoin(fetched_url, topic))


def hub_state(links: HubLinks) -> dict[str, str]:
    """The entries a feed's connector state carries for its hub (none when the feed names no hub)."""
    return {HUB_KEY: links.hub, TOPIC_KEY: links.topic or ""} if links.hub else {}


@dataclass(frozen=True)
class SubscriptionRequest:
    hub: str
    topic: str
    callback: str
    mode: str  # subscribe | unsubscribe
    secret: str | None = None
    lease_seconds: int | None = None

    def form(self) -> dict[str, str]:
        data = {"hub.mode": self.mode, "hub.topic": self.topic, "hub.callback": self.callback}
        if self.mode == "subscribe":
            if self.secret:
                data["hub.secret"] = self.secret
            if self.lease_seconds:
                data["hub.lease_seconds"] = str(self.lease_seconds)
        return data


def send_request(client: HttpClient, request: SubscriptionRequest) -> None:
    """POST the request to the hub. The hub answers 202 Accepted and verifies our intent later with a GET
    to the callback; any 2xx is taken as accepted. Raises FetchError with the hub's reason otherwise."""
    resp = client.post_form(request.hub, request.form())
    if not 200 <= resp.status < 300:
        reason = resp.content.decode("utf-8", "replace").strip().splitlines()[0][:200] if resp.content else ""
        raise FetchError(f"hub {request.hub} refused to {request.mode}: HTTP {resp.status} {reason}".rstrip())


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """True when `X-Hub-Signature: method=hexdigest` is the HMAC of the body under the subscription's secret,
    with one of the Recommendation's methods. A missing or malformed header, or another method, is False."""
    if not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    digest = SIGNATURE_METHODS.get(method.strip().lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())
