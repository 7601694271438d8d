"""Access token, CSRF guard and response headers.

Off loopback, every page and API call needs the token: `Authorization: Bearer TOKEN`, or once
`?token=TOKEN` in the browser, which is swapped for an HttpOnly same-site cookie and dropped from the
address bar. /healthz stays open so probes need no secret; it reveals only "ok".
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse

TOKEN_COOKIE = "chipwatch_token"
OPEN_PATHS = frozenset({"/healthz"})

# No script runs on these pages and nothing loads from elsewhere; inline SVG charts need no source.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def token_middleware(
    token: str | None,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """An HTTP middleware that admits a request only with the token (no-op when token is None)."""

    async def check(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token is None or request.url.path in OPEN_PATHS:
            response = await call_next(request)
        else:
            auth = request.headers.get("authorization", "")
            bearer = auth[7:] if auth.lower().startswith("bearer ") else None
            from_query = request.query_params.get("token")
            if _same(from_query, token) and request.method == "GET":
                # Drop the token from the address so it is not kept in history or shared by copy-paste.
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = request.url.path + ("?" + urlencode(rest) if rest else "")
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            elif _same(bearer, token) or _same(request.cookies.get(TOKEN_COOKIE), token):
                response = await call_next(request)
            else:
                response = _denied(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return check


def _denied(request: Request) -> Response:
    message = "access token required: send `Authorization: Bearer TOKEN` or open the page once with ?token=TOKEN"
    if request.url.path.startswith(("/api/", "/feeds/", "/export/")) or request.url.path == "/openapi.json":
        return JSONResponse({"detail": message}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return PlainTextResponse(message, status_code=401, headers={"WWW-Authenticate": "Bearer"})


class CsrfGuard:
    """Per-process secret token embedded in forms; a POST must echo it and come from this origin."""

    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(32)

    def check(self, request: Request, form_token: str | None) -> str | None:
        """None when the POST is acceptable, else the reason it is refused."""
        if not _same(form_token, self.token):
            return "missing or wrong CSRF token; reload the alerts page and try again"
        site = request.headers.get("sec-fetch-site")
        if site not in (None, "same-origin", "none"):
            return f"cross-site request refused (Sec-Fetch-Site: {site})"
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
            return "request from another origin refused"
        return None
