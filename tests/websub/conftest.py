"""A feed site that names a loopback WebSub hub, the hub itself (websub_hub.py), and chipwatch's callback served
by uvicorn in a thread, all on 127.0.0.1. The helper modules beside this file are imported by name (pytest runs
with --import-mode=importlib, which adds no test folder to sys.path)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from push_env import FeedSite, PushSetup, make_settings
from tests_serving import serving
from websub_hub import Hub

from chipwatch.dashboard import create_app
from chipwatch.dashboard.host_guard import loopback_names
from chipwatch.pipeline.cycle import http_client
from chipwatch.pipeline.websub import PushReceiver
from chipwatch.storage.db import Database


@pytest.fixture
def hub() -> Iterator[Hub]:
    with Hub(default_lease=600) as h:
        yield h


@pytest.fixture
def push_setup(db: Database, hub: Hub, receiver: Any) -> Iterator[PushSetup]:
    target, rec = receiver
    site = FeedSite(hub.url)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    app_url = f"http://127.0.0.1:{port}"
    settings = make_settings(app_url, site.topic, target)
    client = http_client(settings)
    push = PushReceiver(db, settings, client)
    app = create_app(db, push=push, allowed_hosts=loopback_names("127.0.0.1", port))
    with site.server, serving(app, port):
        yield PushSetup(db, settings, hub, site, push, app_url, rec.received, target=target)
    push.close()
    client.close()
