"""Shortcuts taken for speed must not change a result: NumberIndex's quick word tests never skip a document the
plain test (a word in norm.lower()) would run, and the lookahead guarding the 十分之一 branch never refuses a match."""

import random
import re
import sys

from chipwatch.analysis import quantities
from chipwatch.analysis.quantities import (
    _CN_NUM,
    _HALF,
    _HALF_WORDS,
    _SCALE_WORDS,
    _WORD_QUANTITY,
    NumberIndex,
    _by_character,
)


def _plain_index(norm: str) -> tuple[list[int], list[int]]:
    """The halves and number-word positions as NumberIndex found them before the quick tests."""
    lowered = norm.lower()
    halves = [m.start() for m in _HALF.finditer(norm)] if any(w in lowered for w in _HALF_WORDS) else []
    words = [m.start() for m in _WORD_QUANTITY.finditer(norm)] if any(w in lowered for w in _SCALE_WORDS) else []
    return halves, words


# Every character that lower() changes, with what it becomes (a character lower() leaves alone turns into no
# other character).
_LOWERED = [(ch, ch.lower()) for ch in map(chr, range(sys.maxunicode + 1)) if ch.lower() != ch]


def test_only_ascii_letters_kelvin_and_dotted_i_lower_case_into_ascii_letters():
    into_ascii = {ch for ch, low in _LOWERED if not ch.isascii() and any("a" <= x <= "z" for x in low)}
    assert into_ascii == {"\u212a", "\u0130"}  # K (Kelvin) -> k, İ -> i + combining dot
    ascii_words = [w for w in (*_HALF_WORDS, *_SCALE_WORDS) if w.isascii()]
    assert not any("k" in w or w.endswith("i") for w in ascii_words)


def test_cjk_half_words_are_caseless_and_nothing_else_lower_cases_into_them():
    chars = {ch for w in _HALF_WORDS if not w.isascii() for ch in w}
    assert not [ch for ch, low in _LOWERED if ch in chars or chars & set(low)]


def test_by_character_finds_exactly_the_words():
    words = [w for w in _HALF_WORDS if not w.isascii()]
    patterns = _by_character(words, quantities._HALF_CHARS)
    rng = random.Random(7)
    alphabet = "".join(sorted({ch for w in words for ch in w})) + "导体的x "
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        assert any(p.search(text) for p in patterns) == any(w in text for w in words), text


def test_quick_tests_match_the_plain_ones():
    texts = [
        "英伟达半导体营收增长一半，达到30亿美元。",
        "股价翻了一番",
        "HALF of the revenue",
        "nearly Half of the chips",
        "two tİmes the rate",  # the regex matches İ as i; norm.lower() does not hold "times"
        "ten timeſ faster, two halveſ of it",
        "one \u212aelvin thousand GPUs",
        "a three-fold rise to one million GPUs",
        "the second half of 2026",
        "半額セール、半値",
        "",
        "no numbers here",
    ]
    for text in texts:
        index = NumberIndex(text)
        assert (index.halves, index.words) == _plain_index(text), text


def test_fraction_guard_changes_no_match():
    pattern, _info = quantities._compiled()
    guard = f"(?=[\\d.,兆{_CN_NUM}]*+分)"
    assert guard in pattern.pattern
    unguarded = re.compile(pattern.pattern.replace(guard, ""))
    rng = random.Random(11)
    alphabet = "0123456789.,兆亿万分之の一二十百千两$%倍成割 美元/-~到至x"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14)))
        for i in range(len(text)):
            a, b = unguarded.match(text, i), pattern.match(text, i)
            assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), text[i:]
