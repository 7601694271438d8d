"""Paragraphs and sentences: furniture lines dropped, repeated text dropped, offsets kept.

Works on the normalised text (normalize.py); spans index both the normalised and the original text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import Final

from .vocabulary import LinePatterns

# Module constants are Final: the compiled build then reads them from C statics, not the module dict.
# Sentence ends. One character class first (fast skipping in C), then which kind of end it is: CJK/ASCII
# marks with closing quotes or brackets, a full stop before a space, or a rule of three or more dashes.
_TERMINATOR: Final = re.compile(
    r"[。！？!?；;….\-—=_~]"
    r"(?:(?<=[。！？!?；;…])[。！？!?；;…]*[”」』\"'）)]*"
    r"|(?<=\.)(?=[\s”\"')]|$)"
    r"|(?<=[-—=_~])(?<![-—=_~][-—=_~])[-—=_~]{2,}(?P<rule>))"
)
# A terminator match that starts with one of these is a rule (see _TERMINATOR).
_RULE_CHARS: Final = "-—=_~"
# Abbreviations whose final dot does not end a sentence ("U.S. export rules", "Mr. Huang").
_ABBREV: Final = re.compile(
    r"(?:\b(?:U\.S|U\.K|Mr|Ms|Dr|Inc|Corp|Co|Ltd|vs|etc|e\.g|i\.e|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug"
    r"|Sep|Sept|Oct|Nov|Dec|approx|est|Fig)|\b[A-Z])$"
)
# Furniture lines are short; long lines are never matched against the boilerplate patterns (speed, and a
# 5 MB single-line input stays linear).
_MAX_FURNITURE_LINE: Final = 160
# A sentence this short cannot assert anything checkable.
_MIN_SENTENCE_CHARS: Final = 6
# Sentences longer than this are cut at a comma: forum posts run on for hundreds of characters.
_MAX_SENTENCE_CHARS: Final = 400
_SOFT_BREAK: Final = re.compile(r"[，,、]")
_CLOSERS: Final = "”」』\"'）)"
# Sentence-final marks ignored when comparing sentences: a quote may drop the full stop of its original.
_END_MARKS: Final = "。.!?！？;；" + _CLOSERS
# After a list header ("往期推荐:"), lines this short with none of these marks are linked article titles.
_LINKED_TITLE_CHARS: Final = 60
_SENTENCE_END: Final = re.compile(r"[。.!?！？]")
# A bullet marker inside a line, and how many make the line a flattened list (see _bullet_items).
_INLINE_BULLET: Final = re.compile(r"\s[-•]\s")
_MIN_INLINE_BULLETS: Final = 2


def quick_key(text: str) -> str:
    """Text without whitespace: what a repeated paragraph or a pasted quote shares with its original."""
    return "".join(text.split())


def sentence_spans(
    norm: str,
    boilerplate: LinePatterns,
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
    skipped = 0
    in_link_list = False
    index = -1  # of the line among the non-empty ones
    end = -1  # where the previous line ends (its newline)
    n_marks = len(marks) if marks is not None else 0
    for raw in norm.split("\n"):
        base = end + 1
        end = base + len(raw)
        if not raw:
            continue
        index += 1
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
        if marks is not None:
            # i: the first mark at or after the line start; the pieces below move it forward.
            i = bisect_left(marks, base)
            if i == n_marks or marks[i] >= end:
                # Remembered without the furniture test: a line with no mark gives no sentence either way.
                seen_paragraphs.add(key)
                continue
        if len(stripped) <= _MAX_FURNITURE_LINE and boilerplate.matches(stripped):
            continue
        seen_paragraphs.add(key)
        # No blank inside the line: its pieces' bodies are their keys as they are (no split to repeat per piece).
        spaced = len(key) != len(stripped)
        # Pieces that start after the line's last mark are not cut at all.
        last = len(raw) if marks is None else marks[bisect_left(marks, end, i) - 1] - base
        for s, e in _pieces(raw, last):
            if marks is not None:
                # No term of interest in this piece: skipped before its text is keyed (see `marks`). Pieces come
                # in order, so the first mark at or after the piece start is found by moving forward.
                piece_start = base + s
                while i < n_marks and marks[i] < piece_start:
                    i += 1
                if i == n_marks or marks[i] >= base + e:
                    continue
            piece = raw[s:e]
            body = piece.strip()
            if len(body) < _MIN_SENTENCE_CHARS:
                continue
            skey = ("".join(body.split()) if spaced else body).rstrip(_END_MARKS)
            if skey in seen_sentences:
                continue
            seen_sentences.add(skey)
            first = base + s
            if len(body) < len(piece):  # blanks to skip, perhaps leading ones
                first += len(piece) - len(piece.lstrip())
            out.append((first, first + len(body), index))
    return out


def _pieces(line: str, last: int) -> list[tuple[int, int]]:
    """(start, end) of the sentence pieces of a line that start at or before `last`, in order, long ones cut
    at a comma (see _cap).

    Cut after each terminator (a rule of dashes, a forum's quote separator, ends a sentence but belongs to
    none); an abbreviation's dot ("U.S. export") does not cut."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in _TERMINATOR.finditer(line):
        # Which alternative matched follows from the first character (cheaper than reading the groups): a
        # full stop only ends the second, a rule character only the third; the rest open the first.
        first, end = m.span()
        opener = line[first]
        if opener == ".":
            if _ABBREV.search(line, max(0, first - 6), first):
                continue
            pieces.append((start, end))
        elif opener in _RULE_CHARS:
            pieces.append((start, first))
        else:
            pieces.append((start, end))
        start = end
        if start > last:
            break
    else:
        if start < len(line):
            pieces.append((start, len(line)))
    if " - " in line or " • " in line:
        pieces = _bullet_items(line, pieces)
    if len(line) > _MAX_SENTENCE_CHARS:  # only then can a piece be too long
        pieces = [cut for s, e in pieces for cut in _cap(line, s, e)]
    return pieces


def _bullet_items(line: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A bullet list flattened onto one line ("核心财务 - 收入… - 毛利率… - 指引…", a copy that lost its line
    breaks): each item is a sentence of its own. Only a line with at least _MIN_INLINE_BULLETS such markers is
    a list; a marker between two digits is a range ("5 - 10%"), not a bullet."""
    cuts = [
        m.start()
        for m in _INLINE_BULLET.finditer(line)
        if not (line[m.start() - 1 : m.start()].isdigit() and line[m.end() : m.end() + 1].isdigit())
    ]
    if len(cuts) < _MIN_INLINE_BULLETS:
        return pieces
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        for cut in cuts:
            if s < cut < e:
                out.append((s, cut))
                s = cut
        out.append((s, e))
    return out


def _cap(line: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > _MAX_SENTENCE_CHARS:
        # The search is bounded: on a megabyte-long line without commas it must not rescan the rest each time.
        m = _SOFT_BREAK.search(line, start + _MAX_SENTENCE_CHARS // 2, start + _MAX_SENTENCE_CHARS)
        cut = m.end() if m else start + _MAX_SENTENCE_CHARS
        yield start, cut
        start = cut
    yield start, end
