"""A small WebSub hub (W3C Recommendation, 2018) on loopback, for the tests and bench/latency.py.

What a hub does, and nothing more: takes subscription requests (`hub.mode=subscribe|unsubscribe`,
`hub.topic`, `hub.callback`, optional `hub.lease_seconds` and `hub.secret`), answers 202 and then verifies the
subscriber's intent with a GET carrying `hub.challenge` (the subscription counts only if the callback echoes
it with a 2xx); takes publish pings (`hub.mode=publish`, `hub.topic` or `hub.url`) or `publish()` calls, fetches
the topic and POSTs its body to every subscriber whose lease has not run out, with `Link` headers (rel=hub,
rel=self) and `X-Hub-Signature: <method>=<HMAC of the body under the subscriber's secret>`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

import httpx

from chipwatch.cli.loopback import LoopbackServer


@dataclass
class Subscription:
    callback: str
    topic: str
    secret: str | None
    lease_seconds: int
    expires: float  # time.monotonic() deadline


@dataclass
class DeliveryRecord:
    callback: str
    topic: str
    status: int | None
    published_at: float  # time.time() of the publish that caused it


@dataclass
class Hub:
    default_lease: int = 600
    max_lease: int = 86400
    method: str = "sha256"  # signature method: sha1, sha256, sha384 or sha512
    subscriptions: dict[tuple[str, str], Subscription] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)  # every subscription request received
    verifications: list[tuple[str, str, int | None]] = field(default_factory=list)  # (callback, mode, status)
    deliveries: list[DeliveryRecord] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)
        self.server = LoopbackServer(self._handle)
        self.url = self.server.url + "/hub"
        self._http = httpx.Client(timeout=10, trust_env=False)

    def __enter__(self) -> Hub:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)
        self._http.close()

    # -- the hub's HTTP side -------------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if req.command != "POST" or req.path.split("?")[0] != "/hub":
            return 404, {}, b"not found"
        length = int(req.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(req.rfile.read(length).decode()).items()}
        mode, topic = form.get("hub.mode"), form.get("hub.topic") or form.get("hub.url")
        with self.lock:
            self.requests.append(form)
        if mode == "publish" and topic:
            threading.Thread(target=self.publish, args=(topic,), daemon=True).start()
            return 202, {}, b""
        callback = form.get("hub.callback")
        if mode not in ("subscribe", "unsubscribe") or not topic or not callback:
            return 400, {"Content-Type": "text/plain"}, b"hub.mode, hub.topic and hub.callback are required"
        secret = form.get("hub.secret")
        if secret is not None and len(secret.encode()) >= 200:
            return 400, {"Content-Type": "text/plain"}, b"hub.secret must be less than 200 bytes"
        lease = self._lease(form.get("hub.lease_seconds"))
        threading.Thread(target=self._verify, args=(mode, topic, callback, secret, lease), daemon=True).start()
        return 202, {}, b""

    def _lease(self, asked: str | None) -> int:
        try:
            value = int(asked) if asked else self.default_lease
        except ValueError:
            value = self.default_lease
        return max(1, min(value, self.max_lease))

    def _verify(self, mode: str, topic: str, callback: str, secret: str | None, lease: int) -> None:
        challenge = secrets.token_urlsafe(16)
        params = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge}
        if mode == "subscribe":
            params["hub.lease_seconds"] = str(lease)
        status: int | None
        try:
            resp = self._http.get(callback, params=params)
            status = resp.status_code
            confirmed = 200 <= status < 300 and resp.text == challenge
        except httpx.HTTPError:
            status, confirmed = None, False
        with self.changed:
            self.verifications.append((callback, mode, status))
            if confirmed and mode == "subscribe":
                expires = time.monotonic() + lease
                self.subscriptions[(callback, topic)] = Subscription(callback, topic, secret, lease, expires)
            elif confirmed:
                self.subscriptions.pop((callback, topic), None)
            self.changed.notify_all()

    # -- what tests and the bench call ------------------------------------------------------------------------
    def live(self, topic: str) -> list[Subscription]:
        now = time.monotonic()
        with self.lock:
            return [s for s in self.subscriptions.values() if s.topic == topic and s.expires > now]

    def expire(self, topic: str) -> None:
        """End every lease on `topic` now, as time passing would."""
        with self.lock:
            for sub in self.subscriptions.values():
                if sub.topic == topic:
                    sub.expires = 0.0

    def wait_for(self, predicate, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(min(left, 0.2))
        return True

    def publish(self, topic: str, body: bytes | None = None, content_type: str = "application/rss+xml") -> int:
        """Distribute the topic's content (fetched from the topic URL unless given) to its live subscribers;
        returns how many accepted it with a 2xx."""
        published = time.time()
        if body is None:
            resp = self._http.get(topic)
            body, content_type = resp.content, resp.headers.get("content-type", content_type)
        accepted = 0
        for sub in self.live(topic):
            headers = {"Content-Type": content_type, "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"'}
            if sub.secret is not None:
                digest = hmac.new(sub.secret.encode(), body, getattr(hashlib, self.method)).hexdigest()
                headers["X-Hub-Signature"] = f"{self.method}={digest}"
            status: int | None
            try:
                status = self._http.post(sub.callback, content=body, headers=headers).status_code
            except httpx.HTTPError:
                status = None
            accepted += status is not None and 200 <= status < 300
            with self.changed:
                self.deliveries.append(DeliveryRecord(sub.callback, topic, status, published))
                self.changed.notify_all()
        return accepted
