"""DNS rebinding: on loopback, answer only requests addressed to a name the server was started with.

A page on evil.example can point its own DNS name at 127.0.0.1; to the browser the dashboard is then the same
origin as that page, which could read the claims and post an alert retry (CSRF token and all). The browser
still sends `Host: evil.example:PORT`, so a loopback server that answers only its own names (127.0.0.1,
localhost, [::1] and the --host given, each with the port) closes that door; a write must also come from a
page of one of those names when the browser says where it comes from (Origin).

Off loopback the access token does this job: the rebinding page has no token and gets no cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import Request, Response

from chipwatch.dashboard.errors import error_response

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def loopback_names(host: str, port: int) -> frozenset[str]:
    """The Host header values a loopback server started on `host`:`port` answers to."""
    names = {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host}
    allowed = {f"{name}:{port}".lower() for name in names}
    if port == 80:  # a browser leaves the default port out of Host
        allowed |= {name.lower() for name in names}
    return frozenset(allowed)


def host_check(allowed: frozenset[str]) -> Callable[[Request], Response | None]:
    """A request check: 400 for a Host not in `allowed`, 403 for a write whose Origin is another site."""
    listed = ", ".join(sorted(allowed))

    def check(request: Request) -> Response | None:
        host = request.headers.get("host", "").lower()
        if host not in allowed:
            return error_response(
                request,
                400,
                f"Host {host!r} is not a name this server answers to (it answers to {listed}); "
                "open the dashboard by one of those",
            )
        # "null" is what a browser sends for a form posted from these very pages (Referrer-Policy: no-referrer);
        # the Host check above and the CSRF token cover that case.
        origin = request.headers.get("origin")
        if request.method not in _READ_METHODS and origin and origin != "null":
            parts = urlsplit(origin)
            if parts.scheme != "http" or parts.netloc.lower() not in allowed:
                return error_response(request, 403, f"request from another site ({origin}) refused")
        return None

    return check
