"""Paragraphs and sentences: furniture lines dropped, repeated text dropped, offsets kept.

Works on the normalised text (normalize.py); spans index both the normalised and the original text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence

# Sentence ends. One character class first (fast skipping in C), then which kind of end it is: CJK/ASCII
# marks with closing quotes or brackets, a full stop before a space, or a rule of three or more dashes.
_TERMINATOR = re.compile(
    r"[。！？!?；;….\-—=_~]"
    r"(?:(?<=[。！？!?；;…])[。！？!?；;…]*[”」』\"'）)]*"
    r"|(?<=\.)(?=[\s”\"')]|$)"
    r"|(?<=[-—=_~])(?<![-—=_~][-—=_~])[-—=_~]{2,}(?P<rule>))"
)
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
_CLOSERS = "”」』\"'）)"
# Sentence-final marks ignored when comparing sentences: a quote may drop the full stop of its original.
_END_MARKS = "。.!?！？;；" + _CLOSERS
# After a list header ("往期推荐:"), lines this short with none of these marks are linked article titles.
_LINKED_TITLE_CHARS = 60
_SENTENCE_END = re.compile(r"[。.!?！？]")


def quick_key(text: str) -> str:
    """Text without whitespace: what a repeated paragraph or a pasted quote shares with its original."""
    return "".join(text.split())


def sentence_spans(
    norm: str,
    boilerplate: re.Pattern[str],
    *,
    skip_lines: int = 0,
    marks: Sequence[int] | None = None,
    list_header: re.Pattern[str] | None = None,
) -> list[tuple[int, int, int]]:
    """(start, end, paragraph) of sentences worth analysing, in document order, each distinct text once.

    After a line that `list_header` matches whole ("往期推荐:"), the short lines without a sentence end are
    titles of other articles and are skipped, up to the first line that is not one.

    `marks` (sorted offsets) lets the caller say where anything of interest starts: a line with no mark is
    not cut into sentences at all (most lines of a long article), since none of its sentences could be kept
    downstream. Its text is still remembered as a seen paragraph, so a later copy of it stays dropped."""
    out: list[tuple[int, int, int]] = []
    seen_paragraphs: set[str] = set()
    seen_sentences: set[str] = set()
    terminators = _TERMINATOR.finditer
    skipped = 0
    in_link_list = False
    for index, line in enumerate(_LINE.finditer(norm)):
        raw = line.group()
        stripped = raw.strip()
        if in_link_list:
            if len(stripped) <= _LINKED_TITLE_CHARS and not _SENTENCE_END.search(stripped):
                continue
            in_link_list = False
        if list_header is not None and len(stripped) <= _LINKED_TITLE_CHARS and list_header.fullmatch(stripped):
            in_link_list = True
            continue
        if skipped < skip_lines and stripped:
            skipped += 1  # the title line(s): counted among non-blank lines, as the title finder does
            continue
        if len(stripped) < _MIN_SENTENCE_CHARS:
            continue
        key = "".join(stripped.split())
        if key in seen_paragraphs:
            continue
        base = line.start()
        if marks is not None:
            i = bisect.bisect_left(marks, base)
            if i == len(marks) or marks[i] >= line.end():
                # Remembered without the furniture test: a line with no mark gives no sentence either way.
                seen_paragraphs.add(key)
                continue
        if len(stripped) <= _MAX_FURNITURE_LINE and boilerplate.fullmatch(stripped):
            continue
        seen_paragraphs.add(key)
        # Sentence pieces of the line: cut after each terminator (a rule of dashes, a forum's quote separator,
        # ends a sentence but belongs to none); an abbreviation's dot ("U.S. export") does not cut.
        pieces: list[tuple[int, int]] = []
        start = 0
        for m in terminators(raw):
            if m.group().startswith(".") and _ABBREV.search(raw, max(0, m.start() - 6), m.start()):
                continue
            pieces.append((start, m.start() if m.group("rule") is not None else m.end()))
            start = m.end()
        if start < len(raw):
            pieces.append((start, len(raw)))
        for piece_start, piece_end in pieces:
            for s, e in (
                _cap(raw, piece_start, piece_end)
                if piece_end - piece_start > _MAX_SENTENCE_CHARS
                else ((piece_start, piece_end),)
            ):
                if marks is not None:
                    # No term of interest in this piece: skipped before its text is keyed (see `marks`).
                    i = bisect.bisect_left(marks, base + s)
                    if i == len(marks) or marks[i] >= base + e:
                        continue
                piece = raw[s:e]
                body = piece.strip()
                if len(body) < _MIN_SENTENCE_CHARS:
                    continue
                skey = "".join(body.split()).rstrip(_END_MARKS)
                if skey in seen_sentences:
                    continue
                seen_sentences.add(skey)
                first = base + s + (len(piece) - len(piece.lstrip()))
                out.append((first, first + len(body), index))
    return out


def _cap(line: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > _MAX_SENTENCE_CHARS:
        # The search is bounded: on a megabyte-long line without commas it must not rescan the rest each time.
        m = _SOFT_BREAK.search(line, start + _MAX_SENTENCE_CHARS // 2, start + _MAX_SENTENCE_CHARS)
        cut = m.end() if m else start + _MAX_SENTENCE_CHARS
        yield start, cut
        start = cut
    yield start, end
