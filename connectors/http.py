"""The one HTTP client for every fetch: timeouts, size limits, redirects checked hop by hop,
conditional GET, and a guard against fetching private addresses.

Nothing else in chipwatch opens network connections to sources.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from chipwatch.connectors.errors import FetchError

MAX_REDIRECTS = 5


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
    timeout: float = 15.0
    connect_timeout: float = 5.0
    max_bytes: int = 5_000_000
    user_agent: str = "chipwatch/0.1"
    allow_private_networks: bool = False


class HttpClient:
    """A small synchronous client; one per cycle, shared by all connectors (connection reuse)."""

    def __init__(self, options: HttpOptions | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.options = options or HttpOptions()
        timeout = httpx.Timeout(self.options.timeout, connect=self.options.connect_timeout)
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": self.options.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
            trust_env=False,  # proxies from the environment would bypass the address guard
        )

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
    ) -> Response:
        """GET `url`; a 304 comes back as a Response with status 304 and no body.

        Raises FetchError for transport failures, disallowed addresses, too many redirects,
        HTTP errors (>= 400) and bodies over the size limit (checked while streaming, after
        decompression, so a gzip bomb stops at the limit).
        """
        limit = max_bytes or self.options.max_bytes
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_address(current)
            try:
                with self._client.stream("GET", current, headers=headers) as resp:
                    if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
                        current = urljoin(current, resp.headers["location"])
                        continue
                    resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                    if resp.status_code == 304:
                        return Response(str(resp.url), 304, resp_headers, b"")
                    if resp.status_code >= 400:
                        raise FetchError(f"HTTP {resp.status_code} from {_short(current)}")
                    declared = resp.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > limit:
                        raise FetchError(f"body of {_short(current)} is {declared} bytes, over the {limit}-byte limit")
                    body = bytearray()
                    for chunk in resp.iter_bytes():
                        body.extend(chunk)
                        if len(body) > limit:
                            raise FetchError(f"body of {_short(current)} exceeds the {limit}-byte limit")
                    return Response(str(resp.url), resp.status_code, resp_headers, bytes(body))
            except httpx.TimeoutException:
                raise FetchError(f"timed out fetching {_short(current)}") from None
            except httpx.DecodingError as exc:
                raise FetchError(f"bad content encoding from {_short(current)}: {exc}") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch {_short(current)}: {exc.__class__.__name__}: {exc}") from None
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {_short(url)}")

    def _check_address(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"refusing {_short(url)}: only http and https URLs are fetched")
        if self.options.allow_private_networks:
            return
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve {parts.hostname}: {exc.strerror}") from None
        for info in infos:
            addr = ipaddress.ip_address(info[4][0].split("%")[0])
            if not addr.is_global or addr.is_multicast:
                raise FetchError(
                    f"refusing {_short(url)}: {parts.hostname} resolves to the non-public address {addr}; "
                    "set http.allow_private_networks: true to allow it"
                )


def _short(url: str) -> str:
    """The URL without query string (which may carry tokens), for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
