"""No secret of any apprise URL shape shows anywhere: CLI output, logs (apprise's and urllib3's DEBUG lines
included), the dashboard's pages and API, the database.

Real config files, the real CLI in-process, the real dashboard app, SQLite. Targets on loopback are sent to
(`alerts test`, `run --once`); the services whose hosts are not loopback are only configured, queued and
listed, never sent: the config that delivers does not hold them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from chipwatch.alerts.enqueue import enqueue_alerts
from chipwatch.cli.loopback import LoopbackServer
from chipwatch.cli.main import main
from chipwatch.config import load_settings
from chipwatch.dashboard import create_app
from chipwatch.storage.db import open_database
from chipwatch.storage.models import Base

from .conftest import claim, free_port, store_claims

# name -> (URL with {hook} for the loopback receiver's host:port and {smtp} for a closed port, its secrets)
LOOPBACK = {
    "json": (
        "json://{hook}/hook/JsonPathS3cret?+X-Api-Key=JsonHeaderS3cret&-apikey=JsonPayloadS3cret&token=JsonQueryS3cret",
        ["JsonPathS3cret", "JsonHeaderS3cret", "JsonPayloadS3cret", "JsonQueryS3cret"],
    ),
    "jsons": (
        "jsons://bot:JsonsPassS3cret@{hook}/hook/JsonsPathS3cret?+Authorization=Bearer%20JsonsBearerS3cret",
        ["JsonsPassS3cret", "JsonsPathS3cret", "JsonsBearerS3cret"],
    ),
    "form": ("form://{hook}/hook/FormPathS3cret?-token=FormPayloadS3cret", ["FormPathS3cret", "FormPayloadS3cret"]),
    "xml": (
        "xml://user:XmlPassS3cret@{hook}/XmlPathS3cret?+X-Key=XmlHeaderS3cret",
        ["XmlPassS3cret", "XmlPathS3cret", "XmlHeaderS3cret"],
    ),
    "ntfy": ("ntfy://user:NtfyPassS3cret@{hook}/NtfyTopicS3cret", ["NtfyPassS3cret", "NtfyTopicS3cret"]),
    "ntfy-token": ("ntfy://{hook}/chips?token=tk_NtfyTokenS3cret", ["tk_NtfyTokenS3cret"]),
    "gotify": ("gotify://{hook}/GotifyAppTokenS3cret", ["GotifyAppTokenS3cret"]),
    "matrix": ("matrix://watch:MatrixPassS3cret@{hook}/#chips", ["MatrixPassS3cret"]),
    "mattermost": ("mmost://{hook}/MattermostTokenS3cret", ["MattermostTokenS3cret"]),
    "rocketchat": ("rocket://watch:RocketPassS3cret@{hook}/#chips", ["RocketPassS3cret"]),
    "apprise-api": ("apprise://{hook}/AppriseConfigKeyS3cret", ["AppriseConfigKeyS3cret"]),
    "home-assistant": ("hassio://{hook}/HassLongLivedTokenS3cret", ["HassLongLivedTokenS3cret"]),
    "bark": ("bark://{hook}/BarkDeviceKeyS3cret", ["BarkDeviceKeyS3cret"]),
    "mailto": (
        "mailto://watch:MailPassS3cret@{smtp}?to=a@example.com&from=b@example.com&mode=insecure",
        ["MailPassS3cret"],
    ),
}
REMOTE = {  # configured and queued, never sent
    "slack": (
        "slack://T1SLACKS3CRETA/B2SLACKS3CRETB/SlackWebhookS3cretC/#general",
        ["T1SLACKS3CRETA", "B2SLACKS3CRETB", "SlackWebhookS3cretC"],
    ),
    "discord": ("discord://4174216298/DiscordWebhookTokenS3cret_abcdefgh", ["DiscordWebhookTokenS3cret_abcdefgh"]),
    "telegram": (
        "tgram://123456789:TelegramBotS3cretAbcdefghijklmnopq/-100123456",
        ["TelegramBotS3cretAbcdefghijklmnopq"],
    ),
    "teams": (
        "workflows://prod-00.westus.logic.azure.com:443/WorkflowIdS3cret/WorkflowSigS3cret",
        ["WorkflowIdS3cret", "WorkflowSigS3cret"],
    ),
    "matrix-token": ("matrixs://MatrixAccessTokenS3cret@matrix.example.org/#chips", ["MatrixAccessTokenS3cret"]),
    "pushover": (
        "pover://PushoverUserKeyS3cretXYZ01234@PushoverAppTokenS3cretXYZ0123",
        ["PushoverUserKeyS3cretXYZ01234", "PushoverAppTokenS3cretXYZ0123"],
    ),
    "ses": (
        "ses://alerts@example.com/AKIASESACCESSKEYS3CRET/SesSecretKeyS3cretAbcdefghijklmnopqrstu/us-east-1/a@example.com",
        ["AKIASESACCESSKEYS3CRET", "SesSecretKeyS3cretAbcdefghijklmnopqrstu"],
    ),
    "sns": (
        "sns://AKIASNSACCESSKEYS3CRET/SnsSecretKeyS3cretAbcdefghijklmnopqrstu/us-east-1/+12345678901",
        ["AKIASNSACCESSKEYS3CRET", "SnsSecretKeyS3cretAbcdefghijklmnopqrstu"],
    ),
    "google-chat": (
        "gchat://GchatWorkspaceS3cret/GchatKeyS3cret/GchatTokenS3cret",
        ["GchatWorkspaceS3cret", "GchatKeyS3cret", "GchatTokenS3cret"],
    ),
    "pushbullet": ("pbul://o.PushbulletTokenS3cretAbcdefghij", ["o.PushbulletTokenS3cretAbcdefghij"]),
    "opsgenie": ("opsgenie://OpsgenieApiKeyS3cret", ["OpsgenieApiKeyS3cret"]),
    "pagerduty": (
        "pagerduty://PagerdutyIntegS3cret@PagerdutyApiKeyS3cret/",
        ["PagerdutyIntegS3cret", "PagerdutyApiKeyS3cret"],
    ),
    "zulip": (
        "zulip://chipbot@example.zulipchat.com/ZULIPTOKENS3CRET0123456789ABCDEF",
        ["ZULIPTOKENS3CRET0123456789ABCDEF"],
    ),
    "twilio": (
        "twilio://AC0123456789abcdef0123456789abcd:TwilioAuthTokenS3cret@+12345678901/+12345678902",
        ["AC0123456789abcdef0123456789abcd", "TwilioAuthTokenS3cret"],
    ),
    "json-remote": (
        "jsons://hooks.example.com/services/JsonRemotePathS3cret?+X-Token=JsonRemoteHeaderS3cret",
        ["JsonRemotePathS3cret", "JsonRemoteHeaderS3cret"],
    ),
}


class Recorder:
    """Answers every request 200 `{}` and keeps what arrived (path, headers, body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    def handle(self, req: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        with self.lock:
            self.requests.append((req.path, dict(req.headers.items()), body))
        return 200, {"Content-Type": "application/json"}, b"{}"


@pytest.fixture
def recorder() -> Iterator[tuple[str, Recorder]]:
    rec = Recorder()
    server = LoopbackServer(rec.handle)
    with server:
        yield server.url.removeprefix("http://"), rec


def _config(path: Path, database: Path, targets: dict[str, str], inbox: Path | None = None) -> Path:
    names = ", ".join(targets)
    lines = [f"database: sqlite:///{database}"]
    if inbox is not None:
        lines += ["sources:", f"  - {{name: inbox, kind: directory, path: '{inbox}'}}"]
    lines += ["alerts:", "  max_attempts: 3", "  targets:"]
    lines += [f"    {name}: '{url}'" for name, url in targets.items()]
    lines += ["  rules:", f"    - {{name: everything, min_score: 0.0, notify: [{names}]}}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_no_secret_of_any_target_shape_shows_anywhere(
    tmp_path: Path, recorder: tuple[str, Recorder], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    hook, rec = recorder
    loop = {n: url.format(hook=hook, smtp=f"127.0.0.1:{free_port()}") for n, (url, _) in LOOPBACK.items()}
    remote = {n: url for n, (url, _) in REMOTE.items()}
    secrets = [s for _, found in [*LOOPBACK.values(), *REMOTE.values()] for s in found]
    assert len(loop) + len(remote) >= 15 and len(secrets) >= 40

    database = tmp_path / "cw.db"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "note.txt").write_text("NVIDIA shares fell 17% after TSMC cut its capex guidance.\n", encoding="utf-8")
    sending = _config(tmp_path / "loopback.yaml", database, loop, inbox)
    everything = _config(tmp_path / "all.yaml", database, {**loop, **remote})
    for name in ("", "apprise", "urllib3", "requests"):  # apprise and the HTTP stack at their most talkative
        caplog.set_level(logging.DEBUG, logger=name or None)

    shown: list[str] = []
    code, out = _cli(capsys, "alerts", "test", "-vv", "--config", str(sending))
    assert code == 1 and out.count(": delivered") >= 3 and "FAILED" in out  # json, form, ntfy... delivered
    shown.append(out)

    # Every target, remote ones too, gets an outbox row; only the loopback config ever delivers.
    settings = load_settings(everything)
    db = open_database(settings.database)
    try:
        store_claims(db, [claim("AMD guidance cut by 10%")])
        queued = enqueue_alerts(db, settings.alerts)
        assert len(queued) == len(loop) + len(remote)
        code, out = _cli(capsys, "run", "--once", "-vv", "--config", str(sending))
        assert code == 0
        shown.append(out)
        for argv in (["alerts", "list"], ["alerts", "list", "--json"], ["export", "alerts"]):
            code, out = _cli(capsys, *argv, "--config", str(everything))
            assert code == 0 and out.count("\n") >= 2 * len(loop) + len(remote)
            shown.append(out)
        assert "json://127.0.0.1:" in shown[-1] and "/hook/***?%2BX-Api-Key=***&-apikey=***" in shown[-1]
        assert "slack://T...A/B...B/S...C/%23general" in shown[-1]

        with TestClient(create_app(db), base_url="http://127.0.0.1") as client:
            for path in ("/alerts", "/api/alerts?limit=200", "/api/alerts?state=failed&limit=200"):
                response = client.get(path)
                assert response.status_code == 200
                shown.append(response.text)
        assert "mailto://watch:****@127.0.0.1:" in shown[-2]

        with db.engine.connect() as conn:
            dump = [repr(row) for table in Base.metadata.sorted_tables for row in conn.execute(select(table))]
        assert sum("everything" in row for row in dump) >= 2 * len(loop) + len(remote)  # the alert rows are there
        shown.append("\n".join(dump))
    finally:
        db.dispose()

    # The secrets were really used: the loopback receiver got the header, the payload field and the path token.
    arrived = repr(rec.requests)
    assert "JsonHeaderS3cret" in arrived and "JsonPayloadS3cret" in arrived and "/hook/JsonPathS3cret" in arrived
    # And apprise's DEBUG lines (shown with -vv; quiet by default) were captured, masked.
    assert "Loaded JSON URL: json://127.0.0.1:" in caplog.text and "POST /hook/***?apikey=*** HTTP/1.1" in caplog.text
    shown.append(caplog.text)

    leaks = [
        (secret, where)
        for secret in secrets
        for where, text in enumerate(shown)
        if secret in text or quote(secret, safe="") in text
    ]
    assert not leaks, leaks
