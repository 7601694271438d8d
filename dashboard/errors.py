"""Refusals as responses: a 400 that names the parameter and the fix, never a 500 or a bare 422.

FastAPI answers a value its typing refuses (an id that is not a number, a limit out of range) with 422 and a
list of pydantic errors; here that becomes 400 with one readable sentence, like every other bad parameter.
Text holding a NUL character cannot reach PostgreSQL at all (its text type has no NUL), so it is refused
before any route runs, on both databases alike.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse

# Paths that programs read: their refusals are JSON `{"detail": ...}`; pages get plain text.
_MACHINE_PREFIXES = ("/api/", "/feeds/", "/export/")
_MACHINE_PATHS = frozenset({"/openapi.json", "/healthz"})
_SHOWN_INPUT = 60  # characters of a refused value repeated in the message


def is_machine_path(path: str) -> bool:
    return path.startswith(_MACHINE_PREFIXES) or path in _MACHINE_PATHS


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A refusal in the form the caller reads: JSON for the API, feeds and exports, text for pages."""
    if is_machine_path(request.url.path):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return PlainTextResponse(message, status_code=status, headers=headers)


def nul_check(request: Request) -> Response | None:
    """400 when the path or a query parameter holds a NUL character (%00), naming which."""
    if "\x00" in request.url.path:
        return error_response(request, 400, "the path contains a NUL character (%00); remove it")
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "%00")
            return error_response(request, 400, f"parameter {shown!r} contains a NUL character (%00); remove it")
    return None


async def validation_error(request: Request, exc: Exception) -> Response:
    """Exception handler for RequestValidationError: 400 naming each refused parameter and what it takes."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    parts = [_describe(error) for error in errors] or ["the request does not fit this path's parameters"]
    return error_response(request, 400, "; ".join(parts))


def _describe(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ()) if part not in ("path", "query", "body")]
    name = ".".join(location) or "request"
    given = error.get("input")
    shown = f" {str(given)[:_SHOWN_INPUT]!r}" if isinstance(given, str | int | float) else ""
    return f"{name}{shown}: {error.get('msg', 'not accepted')}"
