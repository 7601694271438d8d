"""`chipwatch analyze`: documents in, analysis out, nothing stored."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from chipwatch.analysis.model import DocumentAnalysis
from chipwatch.cli.progress import Progress
from chipwatch.cli.terminal import json_line, printable

HTML_SUFFIXES = (".html", ".htm")


def analyze_inputs(inputs: Sequence[str], *, as_json: bool, config: str | None = None) -> int:
    """Analyse each input on its own; a failing input prints an `error` and the rest go on.
    Exit 1 when any input failed."""
    from chipwatch.analysis.document import analyse_bytes

    failed = False
    # Progress (stderr) only over several inputs: one file's analysis is its own answer.
    with Progress(len(inputs), "analysing") if len(inputs) > 1 else nullcontext() as progress:
        for item in inputs:
            try:
                data, ctype = _read(item, config)
                doc = analyse_bytes(data, content_type=ctype, url=item if "://" in item else None)
            except (OSError, ValueError) as exc:
                failed = True
                _emit_error(item, exc, as_json)
                note = f"{item}: failed"
            else:
                _emit(item, doc.analysis, as_json)
                note = f"{item}: {len(doc.analysis.claims)} claims"
            if progress is not None:
                progress.advance(note)
    return 1 if failed else 0


def _read(item: str, config: str | None) -> tuple[bytes, str | None]:
    if item.startswith(("http://", "https://")):
        from chipwatch.config import load_settings, settings_from_dict
        from chipwatch.connectors.errors import FetchError
        from chipwatch.pipeline.cycle import http_client

        settings = load_settings(config) if config else settings_from_dict({})
        with http_client(settings) as client:
            try:
                resp = client.get(item)
            except FetchError as exc:
                raise ValueError(str(exc)) from None
        return resp.content, resp.content_type
    path = Path(item)
    if path.is_dir():
        raise ValueError(f"{item}: is a directory; pass the files in it (e.g. {item.rstrip('/')}/*.txt)")
    if not path.is_file():
        raise ValueError(f"{item}: no such file")
    ctype = "text/html" if path.suffix.lower() in HTML_SUFFIXES else "text/plain"
    return path.read_bytes(), ctype


def _emit(source: str, analysis: DocumentAnalysis, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json_line(analysis.to_json(source)) + "\n")
        return
    print(printable(f"== {source}  [{analysis.language}] {analysis.title or ''}"))
    print(printable(f"   entities: {', '.join(analysis.entities) or '-'}"))
    for claim in analysis.claims:
        mark = "*" if claim.notable else " "
        print(printable(f" {mark} {claim.score:.2f} {claim.stance:<8} {claim.text}"))
        print(printable(f"          why: {'; '.join(claim.why)}"))
    if not analysis.claims:
        print("   no claims")


def _emit_error(source: str, exc: Exception, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json_line({"source": source, "error": str(exc)}) + "\n")
    else:
        print(printable(f"== {source}\n   error: {exc}"), file=sys.stderr)
