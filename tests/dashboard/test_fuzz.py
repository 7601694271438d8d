"""Fuzzing every parameter of the real app on SQLite and PostgreSQL: no 500, ever; refusals are JSON 400s
(401/404/405 where those apply) with a message, and every /api answer is JSON.

Two sources of input, both bounded (examples per operation below; about 10 s per database):
- schemathesis reads the app's own /openapi.json and generates requests that fit it, and requests that do
  not (wrong types, missing and extra values), for each operation;
- hypothesis strategies aimed at what broke before: NUL characters, ids and cursors past 2^31 and 2^63,
  times that overflow once converted to UTC, digits of other scripts, SQL and LIKE metacharacters, in every
  claim filter, id, cursor and page parameter, the HTML pages included (they are not in /openapi.json).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from chipwatch.dashboard import create_app
from chipwatch.storage.db import Database

from .conftest import Corpus

TOKEN = "fuzz-token-0123456789abcdef"
CLAIM_PARAMS = ("entity", "topic", "stance", "language", "source", "min_score", "since", "until", "q")
CLAIM_PARAMS += ("withdrawn", "limit", "cursor")
CLAIM_PATHS = ("/api/claims", "/feeds/claims.atom", "/export/claims.csv", "/")
MACHINE_PREFIXES = ("/api/", "/feeds/", "/export/", "/openapi.json", "/healthz")


def _settings(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,  # no .hypothesis directory in the work tree
        derandomize=True,  # the same inputs on every run: a failure here is reproducible
        suppress_health_check=list(HealthCheck),
    )


def _cursor(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}{position}".encode()).decode().rstrip("=")


BIG = (0, -1, 1, 2**31 - 1, 2**31, 2**31 + 1, 2**32, 2**63 - 1, 2**63, 2**64, -(2**63), -(2**63) - 1, 10**30)
ids = st.one_of(st.sampled_from(BIG), st.integers(min_value=-(2**80), max_value=2**80))
EDGE_TEXT = (
    "\x00",
    "NVIDIA\x00",
    "²",
    "١٢",
    "𝟡",
    "nan",
    "inf",
    "-0",
    "1e309",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01",
    "9999-12-31",
    "9999d",
    "10000h",
    "2026-11-25T08:00Z",
    "24h",
    "%",
    "_",
    "\\",
    "' OR 1=1 --",
    "\ufeff",
    "\u202e",
    "\ud7ff\ue000",
    "x" * 3000,
    "c" + "9" * 40,
)
values = st.one_of(
    st.sampled_from(EDGE_TEXT),
    st.text(max_size=30),
    ids.map(str),
    st.tuples(st.sampled_from("cn"), ids).map(lambda kv: _cursor(*kv)),
)
claim_params = st.lists(st.tuples(st.sampled_from(CLAIM_PARAMS), values), max_size=4)


def _check(response: httpx.Response, what: str) -> None:
    """The rules every answer keeps."""
    path = response.request.url.path
    assert response.status_code < 500, (what, response.status_code, response.text[:300])
    assert response.status_code != 422, (what, response.text[:300])  # a bad parameter is a 400
    machine = path.startswith(MACHINE_PREFIXES)
    if response.status_code >= 400:
        if machine:
            detail = response.json()["detail"]
            assert isinstance(detail, str) and detail, (what, detail)
        else:
            assert response.text.strip(), what
    if path.startswith("/api/"):
        response.json()  # every /api answer is JSON


@pytest.fixture
def fuzz_client(db: Database, corpus: Corpus) -> Iterator[TestClient]:
    """The app over the seeded corpus; server errors come back as 500 responses instead of raising."""
    with TestClient(create_app(db), base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        yield c


def _fuzz_operation(client: TestClient, op: Any, mode: GenerationMode, examples: int) -> int:
    """Send `examples` generated requests for one operation; returns how many were sent."""
    sent = 0

    @given(case=op.as_strategy(generation_mode=mode))
    @_settings(examples)
    def run(case: Any) -> None:
        nonlocal sent
        call = case.as_transport_kwargs()
        response = client.request(
            call["method"],
            call["url"],
            params=call.get("params"),
            headers={k: v for k, v in call.get("headers", {}).items() if k.lower() != "host"},
            cookies=call.get("cookies") or None,
        )
        sent += 1
        _check(response, f"{op.label} {mode.name}: {call['url']} {call.get('params')}")

    run()
    return sent


def test_schemathesis_over_the_openapi_description(fuzz_client: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/claims", "/api/articles/{article_id}", "/feeds/claims.atom"}
    sent = 0
    for op in operations:
        sent += _fuzz_operation(fuzz_client, op, GenerationMode.POSITIVE, 40)
        if any(True for _ in op.iter_parameters()):  # an operation without parameters has no wrong values
            sent += _fuzz_operation(fuzz_client, op, GenerationMode.NEGATIVE, 40)
    assert sent >= 300  # the bound is examples per operation; far fewer would mean generation broke


def test_hostile_values_in_every_claim_filter(fuzz_client: TestClient) -> None:
    @given(path=st.sampled_from(CLAIM_PATHS), params=claim_params)
    @_settings(200)
    def run(path: str, params: list[tuple[str, str]]) -> None:
        _check(fuzz_client.get(path, params=params), f"{path} {params!r}")

    run()


def test_hostile_ids_cursors_and_page_parameters(fuzz_client: TestClient) -> None:
    csrf = fuzz_client.app.state.csrf.token

    @given(
        article=ids,
        alert=ids,
        cursor=values,
        limit=values,
        state=st.one_of(st.sampled_from(["failed", "sent", "\x00", ""]), st.text(max_size=10)),
        entity=st.one_of(st.sampled_from(["NVIDIA", "\x00", "%00", "..", "a/b"]), st.text(max_size=20)),
        days=values,
    )
    @_settings(100)
    def run(article: int, alert: int, cursor: str, limit: str, state: str, entity: str, days: str) -> None:
        quoted = quote(entity, safe="")
        for method, url, params in (
            ("GET", f"/api/articles/{article}", None),
            ("GET", f"/articles/{article}", None),
            ("GET", "/api/alerts", {"cursor": cursor, "limit": limit, "state": state}),
            ("GET", "/alerts", {"cursor": cursor, "state": state}),
            ("GET", f"/api/entities/{quoted}/daily", {"days": days}),
            ("GET", f"/entities/{quoted}", {"days": days}),
        ):
            _check(fuzz_client.request(method, url, params=params), f"{url} {params!r}")
        retry = fuzz_client.post(f"/alerts/{alert}/retry", data={"csrf": csrf}, follow_redirects=False)
        _check(retry, f"retry {alert}")
        assert retry.status_code in (303, 404, 409), (alert, retry.status_code)

    run()


def test_hostile_credentials_with_a_token_set(db: Database, corpus: Corpus) -> None:
    app = create_app(db, token=TOKEN)
    header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
    schemes = st.sampled_from(["Bearer ", "Basic ", "bearer", "Digest ", ""])
    basic = st.binary(max_size=40).map(lambda b: "Basic " + base64.b64encode(b).decode())

    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:

        @given(
            path=st.sampled_from(["/api/claims", "/feeds/claims.atom", "/export/claims.csv", "/", "/alerts"]),
            auth=st.one_of(st.tuples(schemes, header_text).map("".join), basic),
            key=values,
            token=values,
        )
        @_settings(150)
        def run(path: str, auth: str, key: str, token: str) -> None:
            response = c.get(
                path, params={"key": key, "token": token}, headers={"Authorization": auth.encode("latin-1")}
            )
            _check(response, f"{path} {auth!r}")
            assert response.status_code == 401, (path, auth, key, token)  # none of these is a credential

        run()
