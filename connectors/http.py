"""The one HTTP client for every fetch: timeouts, size limits, redirects checked hop by hop,
conditional GET, per-host politeness, robots.txt, and a guard against fetching private addresses.

Nothing else in chipwatch opens network connections to sources.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from chipwatch.connectors.errors import FetchError, RetryLater
from chipwatch.connectors.guard import GuardedBackend, Resolver, first_refused, guarded_transport, system_resolver
from chipwatch.connectors.politeness import HostGate
from chipwatch.connectors.robots import RobotsCache

MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 7 * 86400.0  # a server asking for more than a week is treated as asking for a week
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    content: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass(frozen=True)
class HttpOptions:
    timeout: float = 15.0  # whole request, headers and body, across redirects
    connect_timeout: float = 5.0
    read_timeout: float = 10.0  # longest silence while waiting for headers or the next bytes
    max_bytes: int = 5_000_000  # after decompression
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = "chipwatch/0.1"
    allow_private_networks: bool = False
    # host or host:port exempt from the private-address guard (an intranet feed you trust)
    allow_hosts: tuple[str, ...] = ()
    http2: bool = True
    host_delay: float = 1.0
    host_concurrency: int = 2
    delay_loopback: bool = False
    robots_max_bytes: int = 500_000
    extra: dict[str, str] = field(default_factory=dict)  # extra request headers (tests, Accept)
    resolver: Resolver = system_resolver  # tests pass a stub to play DNS tricks without real DNS


class HttpClient:
    """A small synchronous client; one per cycle, shared by all connectors and threads (connection
    reuse, one politeness gate, one robots.txt cache)."""

    def __init__(self, options: HttpOptions | None = None, transport: httpx.BaseTransport | None = None) -> None:
        """`transport` replaces the guarded one (mock transports in logic tests); the early address
        check still runs, the connect-time one then does not."""
        self.options = o = options or HttpOptions()
        timeout = httpx.Timeout(o.read_timeout, connect=o.connect_timeout)
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            http2=o.http2,
            headers={"User-Agent": o.user_agent, "Accept-Encoding": "gzip, deflate", **o.extra},
            transport=transport or guarded_transport(GuardedBackend(self._exempt, o.resolver), http2=o.http2),
            trust_env=False,  # proxies from the environment would bypass the address guard
        )
        self.gate = HostGate(min_delay=o.host_delay, max_concurrent=o.host_concurrency, delay_loopback=o.delay_loopback)
        self.robots = RobotsCache(
            fetch=lambda url: self.get(url, max_bytes=o.robots_max_bytes).content,
            agent=o.user_agent.split("/")[0] or "chipwatch",
            slow_down=self.gate.slow_down,
        )
        # Hosts that answered 429/503: not contacted again by this client until the time they named.
        self._closed_until: dict[str, float] = {}

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
        accept: str | None = None,
    ) -> Response:
        """GET `url`; a 304 comes back as a Response with status 304 and no body.

        Raises RetryLater for 429/503 (with the Retry-After delay when given), FetchError for
        transport failures, disallowed addresses, too many redirects, other HTTP errors (>= 400),
        a request over the total time limit, and bodies over the size limit (counted after
        decompression, which this client does itself in bounded steps, so a gzip bomb stops at
        the limit without ever being inflated in memory).
        """
        limit = max_bytes or self.options.max_bytes
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        deadline = time.monotonic() + self.options.timeout
        current = url
        seen: set[str] = set()
        for _hop in range(self.options.max_redirects + 1):
            self._check_address(current)
            if current in seen:
                raise FetchError(f"redirect loop at {_short(current)}")
            seen.add(current)
            host = urlsplit(current).hostname or ""
            wait = self._closed_until.get(host, 0.0) - time.monotonic()
            if wait > 0:
                raise RetryLater(
                    f"{host} asked us to wait; not contacted for another {int(wait) + 1}s", retry_after=wait
                )
            try:
                with (
                    self.gate.slot(host),
                    self._client.stream("GET", current, headers=headers, timeout=self._timeout(deadline)) as resp,
                ):
                    if resp.status_code in _REDIRECTS and "location" in resp.headers:
                        current = urljoin(current, resp.headers["location"])
                        continue
                    return self._read(resp, current, limit, deadline)
            except RetryLater as exc:
                # Without Retry-After, leave the host alone for a minute of this cycle at least.
                self._closed_until[host] = time.monotonic() + (exc.retry_after if exc.retry_after is not None else 60.0)
                raise
            except httpx.TimeoutException:
                raise FetchError(f"timed out fetching {_short(current)}") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch {_short(current)}: {exc.__class__.__name__}: {exc}") from None
        raise FetchError(f"more than {self.options.max_redirects} redirects from {_short(url)}")

    def post_form(self, url: str, data: dict[str, str], *, max_bytes: int = 64_000) -> Response:
        """POST a form (a WebSub subscription request) under the same address guard, politeness and time
        limits as a GET; redirects are not followed. Any answer comes back as a Response (the caller judges
        the status); transport failures raise FetchError."""
        self._check_address(url)
        host = urlsplit(url).hostname or ""
        deadline = time.monotonic() + self.options.timeout
        try:
            with (
                self.gate.slot(host),
                self._client.stream("POST", url, data=data, timeout=self._timeout(deadline)) as resp,
            ):
                if resp.status_code >= 400 or resp.status_code in _REDIRECTS:
                    body = resp.read()[:max_bytes] if resp.status_code >= 400 else b""
                    return Response(
                        str(resp.url), resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, body
                    )
                return self._read(resp, url, max_bytes, deadline)
        except httpx.TimeoutException:
            raise FetchError(f"timed out posting to {_short(url)}") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot post to {_short(url)}: {exc.__class__.__name__}: {exc}") from None

    def _timeout(self, deadline: float) -> httpx.Timeout:
        """No single wait may outlast what is left of the request's total time."""
        left = max(deadline - time.monotonic(), 0.001)
        return httpx.Timeout(min(self.options.read_timeout, left), connect=min(self.options.connect_timeout, left))

    def _read(self, resp: httpx.Response, url: str, limit: int, deadline: float) -> Response:
        resp_headers = {k.lower(): v for k, v in resp.headers.items()}
        if resp.status_code == 304:
            resp.read()  # no body, but reading to its end lets the connection be reused (kept alive)
            return Response(str(resp.url), 304, resp_headers, b"")
        if resp.status_code in (429, 503):
            delay = parse_retry_after(resp.headers.get("retry-after"))
            hint = f", Retry-After {int(delay)}s" if delay is not None else ""
            raise RetryLater(f"HTTP {resp.status_code} from {_short(url)}{hint}", retry_after=delay).with_status(
                resp.status_code
            )
        if resp.status_code >= 400:
            raise FetchError(f"HTTP {resp.status_code} from {_short(url)}").with_status(resp.status_code)
        declared = resp.headers.get("content-length")
        encoding = resp.headers.get("content-encoding", "identity").strip().lower()
        if declared and declared.isdigit() and int(declared) > limit and encoding == "identity":
            raise FetchError(f"body of {_short(url)} is {declared} bytes, over the {limit}-byte limit")
        inflater = _Inflater(encoding, url)
        body = bytearray()
        for raw in resp.iter_raw():  # as received: a chunk size would wait for it to fill
            if time.monotonic() > deadline:
                raise FetchError(f"{_short(url)} took longer than {self.options.timeout:g}s to send its body")
            for piece in inflater.feed(raw, limit - len(body) + 1):
                body.extend(piece)
                if len(body) > limit:
                    raise FetchError(f"body of {_short(url)} exceeds the {limit}-byte limit")
        body.extend(inflater.finish(limit - len(body) + 1))
        if len(body) > limit:
            raise FetchError(f"body of {_short(url)} exceeds the {limit}-byte limit")
        return Response(str(resp.url), resp.status_code, resp_headers, bytes(body))

    def _check_address(self, url: str) -> None:
        """Refuse non-http(s) URLs and, unless allowed, hosts that resolve to a non-public address."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"refusing {_short(url)}: only http and https URLs are fetched")
        if self._exempt(parts.hostname, parts.port):
            return
        try:
            addresses = self.options.resolver(parts.hostname, parts.port or 443)
        except OSError as exc:
            raise FetchError(f"cannot resolve {parts.hostname}: {getattr(exc, 'strerror', None) or exc}") from None
        refused = first_refused(addresses)
        if refused is not None:
            raise FetchError(
                f"refusing {_short(url)}: {parts.hostname} resolves to the non-public address {refused}; "
                "set http.allow_private_networks: true (or list the host in http.allow_hosts) to allow it"
            )

    def _exempt(self, host: str, port: int | None) -> bool:
        """Hosts the guard lets through: everything with allow_private_networks, else allow_hosts."""
        if self.options.allow_private_networks:
            return True
        host = host.lower().strip("[]")
        allow = self.options.allow_hosts
        return host in allow or (port is not None and f"{host}:{port}" in allow)


class _Inflater:
    """Content-Encoding decoding in bounded steps: never more than `room` bytes out per call."""

    def __init__(self, encoding: str, url: str) -> None:
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            # wbits 47 = 32 + 15: accept a gzip or zlib header; raw deflate is retried below.
            self._z = zlib.decompressobj(47)
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r} from {_short(url)}")
        self._encoding, self._url, self._first = encoding, url, True

    def feed(self, data: bytes, room: int) -> list[bytes]:
        if self._z is None:
            return [data]
        out: list[bytes] = []
        try:
            if self._first and self._encoding == "deflate" and data[:1] and (data[0] & 0x0F) != 8:
                self._z = zlib.decompressobj(-15)  # a raw deflate stream without zlib header
            self._first = False
            chunk = self._z.decompress(data, max(room, 1))
            out.append(chunk)
            room -= len(chunk)
            while self._z.unconsumed_tail and room > 0:
                chunk = self._z.decompress(self._z.unconsumed_tail, room)
                out.append(chunk)
                room -= len(chunk)
        except zlib.error as exc:
            raise FetchError(f"bad {self._encoding} content from {_short(self._url)}: {exc}") from None
        if self._z.unconsumed_tail:
            out.append(b"\0")  # there is more than `room`: push the caller over its limit
        return out

    def finish(self, room: int) -> bytes:
        if self._z is None:
            return b""
        try:
            return self._z.flush(max(room, 1)) if hasattr(self._z, "flush") else b""
        except zlib.error:
            return b""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: either delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delta, 0.0), MAX_RETRY_AFTER)


def _short(url: str) -> str:
    """The URL without query string (which may carry tokens), for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
