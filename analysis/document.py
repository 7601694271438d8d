"""One document from bytes to analysis: extraction, language, claims. Pure; shared by the
pipeline and `chipwatch analyze`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from chipwatch.analysis.engine import analyze
from chipwatch.analysis.extract import Extracted, extract_document
from chipwatch.analysis.language import detect_language
from chipwatch.analysis.model import DocumentAnalysis


@dataclass(frozen=True)
class AnalysedDocument:
    extracted: Extracted
    analysis: DocumentAnalysis
    content_hash: str


def analyse_bytes(
    data: bytes,
    *,
    content_type: str | None = None,
    url: str | None = None,
    title: str | None = None,
    published: datetime | None = None,
) -> AnalysedDocument:
    """Extract the article from `data` and run the claim engine on it.

    `published` (the listing's date, when there is one) dates the document for periods written without a
    year ("第二财季"). Raises NoArticleError / UndecodableError (both ValueError) when there is no text to analyse.
    """
    extracted = extract_document(data, content_type=content_type, url=url)
    language = detect_language(extracted.text)
    analysis = analyze(extracted.text, title=extracted.title or title, language=language, published=published)
    return AnalysedDocument(extracted=extracted, analysis=analysis, content_hash=content_hash(extracted.text))


def content_hash(text: str) -> str:
    """Hash of the whitespace-normalised text: the same article served twice hashes the same."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()
