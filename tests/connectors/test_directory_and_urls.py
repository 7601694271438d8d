from pathlib import Path

from chipwatch.config import SourceConfig
from chipwatch.connectors.directory import DirectoryConnector
from chipwatch.connectors.http import HttpClient, HttpOptions
from chipwatch.connectors.urls import canonical_url


def test_each_file_is_taken_once_and_changed_files_again(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("英伟达", encoding="utf-8")
    (tmp_path / "b.html").write_text("<p>x</p>", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    source = SourceConfig(name="d", kind="directory", path=str(tmp_path))
    with HttpClient(HttpOptions(max_bytes=1000)) as client:
        first = DirectoryConnector().fetch(source, {}, client)
        second = DirectoryConnector().fetch(source, first.state, client)
        (tmp_path / "big.txt").write_bytes(b"x" * 2000)
        third = DirectoryConnector().fetch(source, second.state, client)
    assert sorted(Path(e.url).name for e in first.entries) == ["a.txt", "b.html"]
    assert {e.content_type for e in first.entries} == {"text/plain", "text/html"}
    assert second.entries == []
    assert [e.error is not None and "limit" in e.error for e in third.entries] == [True]


def test_canonical_url_drops_tracking_fragment_default_port_and_case() -> None:
    assert (
        canonical_url("HTTPS://News.Example.com:443/a/b?utm_source=x&id=7&fbclid=y#top")
        == "https://news.example.com/a/b?id=7"
    )
    assert canonical_url("http://127.0.0.1:8080/p") == "http://127.0.0.1:8080/p"
