"""Fixtures for connector tests: a second loopback site and a raw socket server that misbehaves
below HTTP (stalls after the headers, trickles its body). All on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from chipwatch.cli.loopback import LoopbackServer


class RawServer:
    """Answers every connection with `head` (status line and headers) and then `body_chunks`,
    sleeping `pause` seconds before each chunk: a stall or a trickle."""

    def __init__(self, head: bytes, body_chunks: list[bytes], pause: float) -> None:
        self.head, self.chunks, self.pause = head, body_chunks, pause
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(self.head)
            for chunk in self.chunks:
                if self.closed.wait(self.pause):
                    break
                conn.sendall(chunk)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.closed.set()
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[type[RawServer]]:
    made: list[RawServer] = []

    def factory(head: bytes, body_chunks: list[bytes], pause: float) -> RawServer:
        server = RawServer(head, body_chunks, pause)
        made.append(server)
        return server

    yield factory  # type: ignore[misc]
    for server in made:
        server.close()


@pytest.fixture
def second_server() -> Iterator[tuple[LoopbackServer, dict[str, int]]]:
    """A plain loopback server that counts its hits (the 'disallowed' redirect target)."""
    hits = {"n": 0}

    def handle(_req):  # type: ignore[no-untyped-def]
        hits["n"] += 1
        return 200, {"Content-Type": "text/plain"}, b"secret"

    server = LoopbackServer(handle)
    with server:
        yield server, hits
