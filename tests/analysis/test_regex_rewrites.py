"""Patterns rewritten for speed find exactly what their plain forms find: on every code point, in the contexts
their branches look at, and on the evaluation documents."""

import pathlib
import re
import sys

import pytest

from chipwatch.analysis.engine import _NOT_TEXTLIKE
from chipwatch.analysis.normalize import normalize
from chipwatch.analysis.quantities import _ANCHOR, _CN_NUM, _MAYBE_DIGIT

_DOCS = sorted((pathlib.Path(__file__).parent / "eval" / "docs").glob("*.txt"))
_ALL = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
_TEXTS = [normalize(p.read_text(encoding="utf-8")) for p in _DOCS]

_PLAIN_ANCHOR = re.compile(
    rf"[\d$€¥￥₩{_CN_NUM}]" + _ANCHOR.pattern[_ANCHOR.pattern.index("(?:(?<=\\d)") :],
)
_PLAIN_NOT_TEXTLIKE = re.compile(r"[^\w\s\u3000-\u303f\uff00-\uffef.,;:!?'\"()%$/+\-–—…“”‘’]")


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def test_maybe_digit_holds_every_decimal_digit() -> None:
    maybe = re.compile(f"[{_MAYBE_DIGIT}]")
    assert all(maybe.match(d) for d in re.findall(r"\d", _ALL))


@pytest.mark.parametrize(
    "text",
    [
        _ALL,
        "一".join(_ALL),  # after a numeral: the numeral branch looks behind
        "".join(c + "元" for c in _ALL[::3]),  # before a unit
        "".join("1" + c + "5年" for c in _ALL[::3]),  # between digits and before a date word
        *_TEXTS,
    ],
)
def test_anchor_finds_what_the_plain_class_finds(text: str) -> None:
    assert _spans(_ANCHOR, text) == _spans(_PLAIN_ANCHOR, text)


@pytest.mark.parametrize("text", [_ALL, *_TEXTS])
def test_not_textlike_finds_what_the_plain_class_finds(text: str) -> None:
    assert _NOT_TEXTLIKE.findall(text) == _PLAIN_NOT_TEXTLIKE.findall(text)


def test_line_patterns_match_what_their_alternation_fullmatches() -> None:
    from chipwatch.analysis.vocabulary import LinePatterns, get_vocabulary

    patterns = [r"\d+楼", ".*(?:版权所有|Copyright).*", ".*(?:a)|(?:b).*", ".*(?:x)(?:y).*", r".*(?:q\n).*"]
    plain = re.compile("|".join(f"(?:{p})" for p in patterns))
    ours = LinePatterns(patterns)
    lines = ["3楼", "© Copyright 2024", "版权所有", "xa", "b", "ba", "axyz", "q\nr", "a\nCopyright", "Copyright\n"]
    lines += [line.strip() for text in _TEXTS for line in text.split("\n")]
    assert [ours.matches(s) for s in lines] == [plain.fullmatch(s) is not None for s in lines]
    assert ours._holds.pattern == r"(?:版权所有|Copyright)|(?:q\n)"  # the others are tested whole

    captures = LinePatterns([r"(a)\1", ".*(?:b).*"])
    assert captures._holds.pattern == "(?!)"  # a capturing group anywhere: all tested whole

    vocab = get_vocabulary().boilerplate
    assert [vocab.matches(s) for s in lines] == [vocab._all.fullmatch(s) is not None for s in lines]
    assert "Copyright" in vocab._holds.pattern


# The directional patterns as first written, with their look-behinds ahead of the character they guard.
_PLAIN_DIRECTIONAL = {
    "bullish": [
        r"(?i:\bup\s+(?:about\s+|nearly\s+|roughly\s+|almost\s+|some\s+|more\s+than\s+|~\s?|≈\s?)?\$?\d)",
        r"\d(?:\.\d+)?\s?[%％](?:高|増|上昇)",
        r"(?<![\w.+%％])(?<!\d\s)\+\d+(?:\.\d+)?\s?[%％]",
        r"\d円高",
        r"成(?:长|長)\s?\d",
    ],
    "bearish": [
        r"(?i:\bdown\s+(?:about\s+|nearly\s+|roughly\s+|almost\s+|some\s+|more\s+than\s+|~\s?|≈\s?)?\$?\d)",
        r"\d(?:\.\d+)?\s?[%％](?:安|減|下落|低下)",
        r"(?<![\w.\-−%％])(?<!\d\s)[-−]\d+(?:\.\d+)?\s?[%％]",
        r"\d円安",
    ],
}


def _representatives() -> str:
    """One code point for each way the look-behinds can see a character (word, digit, blank or none of them),
    and every character that either pattern names or that is a case of an ASCII one: to them, every other code
    point is one of these."""
    word, digit, blank = (set(re.findall(p, _ALL)) for p in (r"\w", r"\d", r"\s"))
    named = set(".+%％-−$~≈")
    seen: dict[object, str] = {}
    for c in _ALL:
        own = c in named or c.lower().isascii() or c.upper().isascii()
        seen.setdefault(c if own else (c in word, c in digit, c in blank), c)
    return "".join(seen.values())


_REPRESENTATIVES = _representatives()


@pytest.mark.parametrize(
    "text",
    [
        "".join(c + "+5% " for c in _REPRESENTATIVES),  # what stands before a sign
        "".join(c + "−5%" + c + "-5%" for c in _REPRESENTATIVES),
        "".join(a + b + "+5% " + a + b + "-5%" for a in _REPRESENTATIVES for b in _REPRESENTATIVES),  # two before
        "".join(c + "up 5 " + c + "Down 5 " + c + "uP 5" for c in _REPRESENTATIVES),  # the boundary before up / down
        *_TEXTS,
    ],
)
def test_directional_finds_what_the_plain_patterns_find(text: str) -> None:
    from chipwatch.analysis.vocabulary import get_vocabulary

    patterns = _PLAIN_DIRECTIONAL
    plain = re.compile(
        "|".join(f"(?P<{k[:4]}_{i}>{p})" for k in ("bullish", "bearish") for i, p in enumerate(patterns[k]))
    )
    ours = get_vocabulary().directional
    assert [(m.span(), m.lastgroup) for m in ours.finditer(text)] == [
        (m.span(), m.lastgroup) for m in plain.finditer(text)
    ]


@pytest.mark.parametrize("text", [_ALL, *_TEXTS])
def test_language_counts_as_before(text: str) -> None:
    from chipwatch.analysis.language import _KANA, _LETTERS, _counts

    def plain(sample: str) -> tuple[int, int, int]:
        rest = "".join(re.findall(r"[^\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+", sample))
        cjk = len(sample) - len(rest)
        kana = len(_KANA.findall(sample)) if cjk else 0
        return kana, cjk - kana, cjk + len("".join(_LETTERS.findall(rest)))

    for sample in (text[i : i + 600] for i in range(0, len(text), 600)):
        assert _counts(sample) == plain(sample)
