"""The private-address guard: which addresses may be fetched, checked where the socket is opened.

Checking a hostname before the request is not enough: DNS can answer differently a moment later
(DNS rebinding). `GuardedBackend` resolves the name itself, refuses non-public addresses, and
connects to the very address it checked, so what was checked is what is used, on every
connection and every redirect hop.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore

Resolver = Callable[[str, int], list[str]]


class RefusedAddress(httpcore.ConnectError):
    """A connection to a non-public address was refused (httpx reports it as a ConnectError)."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%")[0] for info in infos]


def first_refused(addresses: Iterable[str]) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The first address that is not public (loopback, private, link-local, multicast, reserved ...)."""
    for text in addresses:
        addr = ipaddress.ip_address(text)
        if not addr.is_global or addr.is_multicast:
            return addr
    return None


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend with the guard in connect_tcp. `allowed(host, port)` says whether
    the host is exempt (allow_private_networks, allow_hosts)."""

    def __init__(self, allowed: Callable[[str, int], bool], resolver: Resolver = system_resolver) -> None:
        self._allowed, self._resolve = allowed, resolver

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, **kw: Any) -> httpcore.NetworkStream:
        if self._allowed(host, port):
            return super().connect_tcp(host, port, timeout, **kw)
        try:
            addresses = self._resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        refused = first_refused(addresses)
        if refused is not None or not addresses:
            raise RefusedAddress(
                f"{host} resolves to the non-public address {refused} at connect time; "
                "set http.allow_private_networks: true (or list the host in http.allow_hosts) to allow it"
            )
        # Connect to the checked address itself; TLS still verifies the certificate for `host`.
        return super().connect_tcp(addresses[0], port, timeout, **kw)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The certificate-verifying TLS context, built once per process: loading the CA bundle took 30-80 ms,
    paid twice by every client (one per cycle) before. A context is safe to share between threads."""
    import httpx

    return httpx.create_ssl_context(trust_env=False)


def guarded_transport(backend: GuardedBackend, *, http2: bool) -> Any:
    """An httpx transport whose connection pool opens sockets through `backend`.

    httpx has no public hook for the network backend, so the pool it builds is replaced by an
    identical one with the backend (same TLS context, HTTP versions and default limits).
    """
    import httpx

    tls = tls_context()
    transport = httpx.HTTPTransport(http2=http2, trust_env=False, verify=tls)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
    transport._pool = httpcore.ConnectionPool(  # the one private name used; covered by the guard tests
        ssl_context=tls,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=http2,
        network_backend=backend,
        # Small requests go out at once (as curl does): with Nagle's algorithm a request written in two parts
        # on a kept-alive connection waits for the server's delayed ACK of the first.
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    )
    return transport
