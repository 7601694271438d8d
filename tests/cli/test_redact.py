import logging
import threading

import pytest

from chipwatch import log_guard
from chipwatch.redact import guard_logs, mask_target, mask_url, secrets_of


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("mailto://user:hunter2@smtp.example.com?to=a@example.com", "hunter2"),
        ("tgram://123456:ABCDEF-token/98765", "ABCDEF-token"),
        ("json://127.0.0.1:8080/hook?token=s3cr3t", "s3cr3t"),
        ("postgresql+psycopg://chip:pw123@127.0.0.1:5432/chipwatch", "pw123"),
        ("slack://T000/B000/XXXXSECRET", "XXXXSECRET"),
    ],
)
def test_secrets_never_survive_masking(url: str, secret: str) -> None:
    masked = mask_url(url)
    assert secret not in masked
    assert masked.split("://")[0] == url.split("://")[0]


def test_masking_keeps_host_and_path_of_plain_http_targets() -> None:
    assert mask_url("json://127.0.0.1:8080/hook") == "json://127.0.0.1:8080/hook"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        # The generic plugins: apprise masks only the password; headers, payload fields, query values and path
        # tokens are masked here, the host and public path words stay readable.
        (
            "json://127.0.0.1:8080/hook/PathTok?+X-Api-Key=HdrVal&-apikey=PayVal&token=QVal&format=markdown",
            "json://127.0.0.1:8080/hook/***?format=markdown&%2BX-Api-Key=***&-apikey=***",
        ),
        ("form://u:Pw@hooks.example.com/in/Tok", "form://u:****@hooks.example.com/***/***"),
        # Service plugins: apprise's own masks (first and last character) are kept, what it shows whole is not.
        ("slack://TAAAAA/BBBBBB/CCCCCCCCCC/#general", "slack://T...A/B...B/C...C/%23general"),
        ("matrixs://AccessTokenAsUser@matrix.example.org/#room", "matrixs://***@matrix.example.org/%23room"),
        ("ntfy://ntfy.sh/PrivateTopic?token=tk_abc", "ntfy://t...c@ntfy.sh/***"),
        ("mailtos://me:Pw@smtp.example.com?to=a@example.com", "mailtos://me:****@smtp.example.com/a%40example.com"),
        ("pbul://o.Gn5kj6nfhv736I7jC3cj3QLRiyhgl98b", "pbul://o...b/"),  # a dotted token is no hostname
        ("unknownscheme://Secret/Path", "unknownscheme://***"),
        ("not a url", "***"),
    ],
)
def test_mask_target_keeps_only_what_is_public(url: str, masked: str) -> None:
    assert mask_target(url) == masked
    assert mask_target(masked) == masked  # stored rows are masked again on display: the same form
    assert mask_url(url) == masked  # every notification scheme goes the same way through mask_url


def test_source_and_database_urls_keep_their_shape() -> None:
    assert mask_url("http://127.0.0.1:9/feed.xml?apikey=K3y&page=2") == "http://127.0.0.1:9/feed.xml?apikey=***&page=2"
    assert mask_url("sqlite:////tmp/chipwatch.db") == "sqlite:////tmp/chipwatch.db"
    # `httpsms://` starts like http but is an apprise service: its key is a token.
    assert "ApiKeyS3cret" not in mask_url("httpsms://ApiKeyS3cret@+15551234567/+15557654321")


def test_secrets_of_lists_what_the_mask_hides_and_nothing_public() -> None:
    found = secrets_of("jsons://bot:Pw0rd@127.0.0.1:9/hook/PathTok?+Authorization=Bearer%20Tok3n&cto=1&format=text")
    assert {"Pw0rd", "PathTok", "Bearer Tok3n", "Tok3n"} <= set(found)
    assert not {"127.0.0.1", "hook", "bot", "1", "text", "Authorization"} & set(found)


def _apprise_record(message: str, *args: object) -> list[str]:
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(self.format(record))

    logger = logging.getLogger("apprise")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug(message, *args)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return seen


def test_log_guard_masks_registered_secrets_in_apprise_records() -> None:
    guard_logs("json://127.0.0.1:9/hook/GuardPathTok?+X-Key=abcd&-apikey=GuardPayTok&-n=1")
    (line,) = _apprise_record("POST %s headers=%s", "/hook/GuardPathTok?apikey=GuardPayTok", {"X-Key": "abcd"})
    assert line == "POST /hook/***?apikey=*** headers={'X-Key': '***'}"
    # A short secret goes only where it stands alone, not inside longer words; one shorter than 4 characters
    # is no credential and stays (`1` would turn 127.0.0.1 into 127.0.0.***).
    assert _apprise_record("xabcd abcd 127.0.0.1") == ["xabcd *** 127.0.0.1"]


def test_log_guard_silences_only_the_thread_that_asked() -> None:
    inside = threading.Event()
    done = threading.Event()
    other: list[list[str]] = []

    def log_from_another_thread() -> None:
        inside.wait(5)
        other.append(_apprise_record("zq7 thread message"))
        done.set()

    thread = threading.Thread(target=log_from_another_thread)
    thread.start()
    with log_guard.silenced():
        inside.set()
        assert _apprise_record("dropped") == []
        done.wait(5)
    thread.join(5)
    assert other == [["zq7 thread message"]]
