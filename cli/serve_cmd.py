"""`chipwatch serve`: the dashboard, JSON API and Atom feed under uvicorn.

Loopback by default, answering only requests addressed to its own names (127.0.0.1, localhost, [::1] and
--host, with the port): a page elsewhere that rebinds its DNS name to 127.0.0.1 gets a 400. Any other address
serves data to the network, so it needs an access token (`dashboard: {token: ...}` in the config, or
CHIPWATCH_TOKEN) and refuses to start without one.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import TYPE_CHECKING

from chipwatch.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from chipwatch.pipeline.websub import PushReceiver
    from chipwatch.storage.db import Database


def resolve_token(config_token: str | None, environ: dict[str, str] | None = None) -> str | None:
    """CHIPWATCH_TOKEN wins over the config file; empty means unset."""
    env = os.environ if environ is None else environ
    return (env.get("CHIPWATCH_TOKEN") or "").strip() or config_token or None


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback address without a token (ConfigError: the CLI exits 2 with the message)."""
    from chipwatch.hosts import is_loopback

    if not is_loopback(host) and not token:
        raise ConfigError(
            f"serving on {host} exposes the dashboard beyond this machine; set `dashboard: {{token: ...}}` "
            "in the config or CHIPWATCH_TOKEN (16+ characters), or bind to 127.0.0.1"
        )
    if token is not None and len(token) < 16:
        raise ConfigError("the dashboard token is shorter than 16 characters; use a long random value")


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another process holds, with the fix, before uvicorn would fail with a traceback.
    (A check, then uvicorn binds: a process grabbing the port in between still gets uvicorn's own error.)"""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host} port {port} ({exc.strerror or exc}); another process may hold it: "
                "pick another with --port, or stop that process"
            ) from None


def database_label(url: str) -> str:
    """What the banner says it serves: the SQLite file's path as the filesystem spells it (the URL's
    `sqlite:////abs` reads like a relative path to most people), else the URL with its secrets masked."""
    from chipwatch.redact import mask_url

    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1].split("?", 1)[0]
        return "SQLite in memory" if path == ":memory:" else f"SQLite file {path}"
    return mask_url(url)


def serve(config: str, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Open the database (migrating it), build the app, serve until interrupted."""
    import uvicorn

    from chipwatch.dashboard import create_app
    from chipwatch.dashboard.host_guard import loopback_names
    from chipwatch.hosts import is_loopback
    from chipwatch.storage.db import open_database

    settings = load_settings(config)
    token = resolve_token(settings.dashboard.token)
    check_bind(host, token)
    check_port_free(host, port)
    db = open_database(settings.database)
    push = push_receiver(db, settings)
    try:
        names = loopback_names(host, port) if is_loopback(host) else None
        app = create_app(
            db,
            token=token,
            page_size=settings.dashboard.page_size,
            allowed_hosts=names,
            timezone=settings.timezone,
            push=push,
        )
        shown = f"[{host}]" if ":" in host else host
        print(
            f"chipwatch: serving {database_label(settings.database)} on http://{shown}:{port}/"
            + (" (token required)" if token else ""),
            file=sys.stderr,
        )
        if push is not None:
            print(f"chipwatch: WebSub callbacks under {settings.public_url}/websub/", file=sys.stderr)
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
    finally:
        if push is not None:
            push.close()
            push.client.close()
        db.dispose()
    return 0


def push_receiver(db: Database, settings: Settings) -> PushReceiver | None:
    """The WebSub receiver when the config has a `public_url` (hubs need an address to post to), else None."""
    from chipwatch.pipeline.cycle import http_client
    from chipwatch.pipeline.websub import PushReceiver

    if settings.public_url is None:
        return None
    return PushReceiver(db, settings, http_client(settings))
