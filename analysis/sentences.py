"""Paragraphs and sentences: furniture lines dropped, repeated text dropped, offsets kept.

Works on the normalised text (normalize.py); spans index both the normalised and the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Sentence ends: CJK and ASCII terminators, optionally followed by a closing quote or bracket.
_TERMINATOR = re.compile(r"[。！？!?；;…]+[”」』\"'）)]*|\.(?=[\s”\"')]|$)|(?P<rule>[-—=_~]{3,})")
_LINE = re.compile(r"[^\n]+")
# Abbreviations whose final dot does not end a sentence ("U.S. export rules", "Mr. Huang").
_ABBREV = re.compile(
    r"(?:\b(?:U\.S|U\.K|Mr|Ms|Dr|Inc|Corp|Co|Ltd|vs|etc|e\.g|i\.e|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug"
    r"|Sep|Sept|Oct|Nov|Dec|approx|est|Fig)|\b[A-Z])$"
)
# Furniture lines are short; long lines are never matched against the boilerplate patterns (speed, and a
# 5 MB single-line input stays linear).
_MAX_FURNITURE_LINE = 160
# A sentence this short cannot assert anything checkable.
_MIN_SENTENCE_CHARS = 6
# Sentences longer than this are cut at a comma: forum posts run on for hundreds of characters.
_MAX_SENTENCE_CHARS = 400
_SOFT_BREAK = re.compile(r"[，,、]")
_KEY_DROP = re.compile(r"[\s\W_]+")
_CLOSERS = "”」』\"'）)"


def dedup_key(text: str) -> str:
    """Text without whitespace and punctuation, lower-cased: repeated paragraphs and quotes compare equal."""
    return _KEY_DROP.sub("", text).casefold()


def quick_key(text: str) -> str:
    """Text without whitespace: what a repeated paragraph or a pasted quote shares with its original."""
    return "".join(text.split())


def sentence_spans(
    norm: str, boilerplate: re.Pattern[str], *, skip_lines: int = 0
) -> Iterator[tuple[int, int, int]]:
    """(start, end, paragraph) of sentences worth analysing, in document order, each distinct text once."""
    seen_paragraphs: set[str] = set()
    seen_sentences: set[str] = set()
    for index, line in enumerate(_LINE.finditer(norm)):
        if index < skip_lines:
            continue
        raw = line.group()
        stripped = raw.strip()
        if len(stripped) < _MIN_SENTENCE_CHARS:
            continue
        if len(stripped) <= _MAX_FURNITURE_LINE and boilerplate.fullmatch(stripped):
            continue
        key = quick_key(stripped)
        if key in seen_paragraphs:
            continue
        seen_paragraphs.add(key)
        base = line.start()
        for start, end in _split_line(raw):
            piece = raw[start:end]
            body = piece.strip()
            if len(body) < _MIN_SENTENCE_CHARS:
                continue
            skey = quick_key(body).rstrip("。.!?！？;；" + _CLOSERS)
            if skey in seen_sentences:
                continue
            seen_sentences.add(skey)
            s = base + start + (len(piece) - len(piece.lstrip()))
            yield s, s + len(body), index


def _split_line(line: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in _TERMINATOR.finditer(line):
        if m.group().startswith(".") and _ABBREV.search(line, max(0, m.start() - 6), m.start()):
            continue
        # A rule of dashes (a forum's quote separator) ends a sentence but belongs to none.
        yield from _cap(line, start, m.start() if m.group("rule") else m.end())
        start = m.end()
    if start < len(line):
        yield from _cap(line, start, len(line))


def _cap(line: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > _MAX_SENTENCE_CHARS:
        # The search is bounded: on a megabyte-long line without commas it must not rescan the rest each time.
        m = _SOFT_BREAK.search(line, start + _MAX_SENTENCE_CHARS // 2, start + _MAX_SENTENCE_CHARS)
        cut = m.end() if m else start + _MAX_SENTENCE_CHARS
        yield start, cut
        start = cut
    yield start, end
