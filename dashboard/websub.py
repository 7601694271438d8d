"""The WebSub callback: `GET /websub/{id}` is the hub verifying our intent, `POST /websub/{id}` a delivery.

The dashboard itself stays read-only: this router only hands requests to the push receiver that `chipwatch
serve` built (chipwatch.pipeline.websub.PushReceiver, `app.state.push`); without one it answers 404. The
callback id is the subscription's secret-ish name, so these paths are open without the dashboard token
(a hub cannot present it); every delivery's body must carry the subscription's HMAC signature instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

CALLBACK_PREFIX = "/websub/"


class Answer(Protocol):
    status: int
    body: str


class Receiver(Protocol):
    max_bytes: int

    def verify(self, callback_id: str, params: Mapping[str, str]) -> Answer: ...

    def deliver(self, callback_id: str, headers: Mapping[str, str], body: bytes) -> Answer: ...


router = APIRouter(include_in_schema=False)


def _receiver(request: Request) -> Receiver | None:
    return getattr(request.app.state, "push", None)


@router.get(CALLBACK_PREFIX + "{callback_id}")
def verify(callback_id: str, request: Request) -> Response:
    receiver = _receiver(request)
    if receiver is None:
        return PlainTextResponse("push is not enabled here", status_code=404)
    answer = receiver.verify(callback_id, dict(request.query_params))
    return PlainTextResponse(answer.body, status_code=answer.status)


@router.post(CALLBACK_PREFIX + "{callback_id}")
async def deliver(callback_id: str, request: Request) -> Response:
    receiver = _receiver(request)
    if receiver is None:
        return PlainTextResponse("push is not enabled here", status_code=404)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > receiver.max_bytes:
        return PlainTextResponse("body too large", status_code=413)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > receiver.max_bytes:
            return PlainTextResponse("body too large", status_code=413)
    answer = receiver.deliver(callback_id, dict(request.headers), bytes(body))
    return PlainTextResponse(answer.body, status_code=answer.status)
