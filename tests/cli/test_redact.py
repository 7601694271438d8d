import pytest

from chipwatch.redact import mask_url


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
