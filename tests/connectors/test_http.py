import gzip
import socket

import pytest

from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.http import HttpClient, HttpOptions


def _client(**kw) -> HttpClient:  # type: ignore[no-untyped-def]
    return HttpClient(HttpOptions(allow_private_networks=kw.pop("allow", True), **kw))


def test_loopback_is_refused_unless_private_networks_are_allowed(site) -> None:  # type: ignore[no-untyped-def]
    site.routes["/x"] = (200, {}, b"ok")
    with _client(allow=False) as client, pytest.raises(FetchError, match="allow_private_networks"):
        client.get(f"{site.url}/x")
    assert site.hits == {}  # refused before any connection


def test_redirect_to_a_refused_address_is_checked_on_every_hop(site) -> None:  # type: ignore[no-untyped-def]
    site.routes["/r"] = (302, {"Location": "/final"}, b"")
    site.routes["/final"] = (200, {}, b"landed")
    with _client() as client:
        assert client.get(f"{site.url}/r").content == b"landed"
    site.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    with _client() as client, pytest.raises(FetchError, match="redirect"):
        client.get(f"{site.url}/loop")


def test_body_over_the_limit_stops_while_streaming_even_when_gzipped(site) -> None:  # type: ignore[no-untyped-def]
    bomb = gzip.compress(b"A" * 5_000_000)
    site.routes["/bomb"] = (200, {"Content-Encoding": "gzip"}, bomb)
    with _client(max_bytes=100_000) as client, pytest.raises(FetchError, match="limit"):
        client.get(f"{site.url}/bomb")


def test_http_errors_and_dead_ports_are_one_line_reasons(site) -> None:  # type: ignore[no-untyped-def]
    site.routes["/gone"] = (500, {}, b"boom")
    with _client() as client:
        with pytest.raises(FetchError, match="HTTP 500"):
            client.get(f"{site.url}/gone")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()  # nothing listens there now
        with pytest.raises(FetchError, match="cannot fetch") as err:
            client.get(f"http://127.0.0.1:{port}/feed")
    assert "\n" not in str(err.value)


def test_a_stalled_server_times_out(site) -> None:  # type: ignore[no-untyped-def]
    import time

    def slow(req):  # type: ignore[no-untyped-def]
        time.sleep(2)
        return 200, {}, b"late"

    site.routes["/slow"] = slow
    with _client(timeout=0.5) as client, pytest.raises(FetchError, match="timed out"):
        client.get(f"{site.url}/slow")


def test_user_agent_names_chipwatch(site) -> None:  # type: ignore[no-untyped-def]
    site.routes["/ua"] = (200, {}, b"ok")
    with HttpClient(HttpOptions(allow_private_networks=True, user_agent="chipwatch/0.1 test")) as client:
        client.get(f"{site.url}/ua")
    assert site.requests[0][1]["user-agent"].startswith("chipwatch/")
