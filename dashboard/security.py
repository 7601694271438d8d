"""Request checks (loopback Host, access token, unusable text), CSRF guard and response headers.

Off loopback, every page and API call needs the token: `Authorization: Bearer TOKEN` (or the token as the
password of HTTP Basic auth), or once `?token=TOKEN` in the browser, which is swapped for an HttpOnly
same-site cookie and dropped from the address bar. A feed reader uses its feed's read-only key instead
(feed_keys.py). /healthz stays open so probes need no secret; it reveals only "ok".
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from chipwatch.dashboard.errors import error_response
from chipwatch.dashboard.feed_keys import KEY_PARAM, FeedKeys
from chipwatch.dashboard.links import same_site_path

TOKEN_COOKIE = "chipwatch_token"
OPEN_PATHS = frozenset({"/healthz"})
# The WebSub callback: hubs cannot present the token; each delivery is checked by its HMAC signature instead.
OPEN_PREFIXES = ("/websub/",)

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

# A check looks at a request before any route does: None lets it through, a response answers it instead.
Check = Callable[[Request], Response | None]
Middleware = Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def guard_middleware(checks: Sequence[Check]) -> Middleware:
    """An HTTP middleware that runs `checks` in order (the first refusal answers) and adds the security
    headers to every response, refusals included."""

    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        for check in checks:
            refused = check(request)
            if refused is not None:
                response = refused
                break
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return guard


def token_check(token: str, feed_keys: FeedKeys) -> Check:
    """A request check admitting only holders of the token, or of a feed's key for reading that feed."""

    def check(request: Request) -> Response | None:
        if request.url.path in OPEN_PATHS or request.url.path.startswith(OPEN_PREFIXES):
            return None
        if _same(request.query_params.get("token"), token) and request.method == "GET":
            # Drop the token from the address so it is not kept in history or shared by copy-paste.
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            response = RedirectResponse(same_site_path(request.url.path, rest), status_code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            return response
        bearer, basic = _credentials(request)
        if any(_same(given, token) for given in (bearer, basic, request.cookies.get(TOKEN_COOKIE))):
            return None
        if feed_keys.admits(request.method, request.url.path, (request.query_params.get(KEY_PARAM), basic)):
            return None
        return _denied(request)

    return check


def _credentials(request: Request) -> tuple[str | None, str | None]:
    """(bearer token, HTTP Basic password) from the Authorization header; None where absent or malformed."""
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip(), None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8 once decoded
            return None, None
        _user, colon, password = decoded.partition(":")
        return None, password if colon else None
    return None, None


def _denied(request: Request) -> Response:
    message = "access token required: send `Authorization: Bearer TOKEN` or open the page once with ?token=TOKEN"
    challenge = "Bearer"
    if request.url.path.startswith(("/feeds/", "/export/")):
        message += (
            "; a feed reader uses the feed's read-only key: the Atom and CSV links on the claims page carry it "
            "(?key=...), or send it as the HTTP Basic password"
        )
        challenge = 'Bearer, Basic realm="chipwatch feeds"'
    return error_response(request, 401, message, {"WWW-Authenticate": challenge})


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
