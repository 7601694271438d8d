"""A loopback HTTP server in a child process, for benchmarks that time the client side.

In the benchmark's own process, the server's Python work would compete with the client for the GIL
and be counted as the client's time; a real site answers from another machine. This one keeps
connections alive (HTTP/1.1) and sends small answers at once (TCP_NODELAY), as web servers do, and
answers `If-None-Match` with 304. Routes come from a picklable factory called in the child, so large
sets (5,000 feeds) are built there, not copied. `stats()` reads the request and body-byte counters.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Route = tuple[int, dict[str, str], bytes]
Routes = dict[str, Route]


def _serve(factory: Callable[..., Routes], args: tuple[Any, ...], ready: Any) -> None:
    counters = {"requests": 0, "bytes": 0, "not_modified": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            if self.path == "/_stats":
                self._send(200, {"Content-Type": "application/json"}, json.dumps(counters).encode())
                return
            if self.path == "/_reset":
                counters.update(requests=0, bytes=0, not_modified=0)
                self._send(200, {}, b"")
                return
            status, headers, body = routes.get(self.path, (404, {}, b"not found"))
            etag = headers.get("ETag")
            counters["requests"] += 1
            if etag and self.headers.get("If-None-Match") == etag:
                counters["not_modified"] += 1
                self._send(304, {"ETag": etag}, b"")
                return
            counters["bytes"] += len(body)
            self._send(status, headers, body)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    routes = factory(f"http://127.0.0.1:{server.server_address[1]}", *args)
    ready.put(server.server_address[1])
    server.serve_forever()


class ServedSite:
    """`with ServedSite(factory, *args) as site:` serves factory(base_url, *args) at site.url."""

    def __init__(self, factory: Callable[..., Routes], *args: Any) -> None:
        ready: Any = mp.Queue()
        self._process = mp.Process(target=_serve, args=(factory, args, ready), daemon=True)
        self._process.start()
        self.url = f"http://127.0.0.1:{ready.get(timeout=300)}"

    def __enter__(self) -> ServedSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.join(10)

    def stats(self) -> dict[str, int]:
        import httpx

        return dict(httpx.get(f"{self.url}/_stats").json())

    def reset(self) -> None:
        import httpx

        httpx.get(f"{self.url}/_reset")
