"""A folder of dropped files (.txt, .html, .htm, .eml): each file is taken once, even across restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chipwatch.config import SourceConfig
from chipwatch.connectors.base import Entry, FetchResult
from chipwatch.connectors.email_file import EmailError, read_email
from chipwatch.connectors.errors import FetchError
from chipwatch.connectors.http import HttpClient

SUFFIXES = {".txt": "text/plain", ".html": "text/html", ".htm": "text/html", ".eml": "message/rfc822"}


class DirectoryConnector:
    """State records each taken file's size and mtime; the article key (its file URI) also
    protects against a lost state, since storage will not insert the same URI twice."""

    def fetch(self, source: SourceConfig, state: dict[str, Any], client: HttpClient) -> FetchResult:
        assert source.path is not None
        folder = Path(source.path)
        if not folder.is_dir():
            raise FetchError(f"directory {folder} does not exist; create it or fix `path:`")
        seen: dict[str, str] = dict(state.get("seen", {}))
        limit = source.max_bytes or client.options.max_bytes
        entries: list[Entry] = []
        for file in sorted(folder.iterdir()):
            ctype = SUFFIXES.get(file.suffix.lower())
            if ctype is None or not file.is_file():
                continue
            stat = file.stat()
            signature = f"{stat.st_size}:{stat.st_mtime_ns}"
            if seen.get(file.name) == signature:
                continue
            seen[file.name] = signature
            url = file.resolve().as_uri()
            if stat.st_size > limit:
                error = f"file {file.name} is {stat.st_size} bytes, over the {limit}-byte limit"
                entries.append(Entry(url=url, content_type=ctype, error=error))
                continue
            try:
                data = file.read_bytes()
            except OSError as exc:  # recorded on an article row, so the file is not skipped unseen forever
                error = f"file {file.name} cannot be read: {exc.strerror or exc}"
                entries.append(Entry(url=url, content_type=ctype, error=error))
                continue
            if ctype == "message/rfc822":
                try:
                    mail = read_email(data)
                except EmailError as exc:
                    entries.append(Entry(url=url, content_type=ctype, error=f"file {file.name}: {exc}"))
                    continue
                entries.append(
                    Entry(
                        url=url,
                        guid=mail.message_id,
                        title=mail.subject,
                        published=mail.date,
                        content=mail.body,
                        content_type=mail.content_type,
                    )
                )
                continue
            entries.append(Entry(url=url, content=data, content_type=ctype))
        return FetchResult(entries=entries, state={"seen": seen})
