"""Numbers with units, normalised as INTERFACES.md says.

6000亿美元 -> 6e11 USD, 百分之九十 -> 90 %, 1/45 -> 0.0222 x.

Only numbers with a unit are quantities: a currency, %, a multiple/ratio, or a counted noun (GPU, tokens...).
Bare numbers (years, dates, page views, ages) are left out on purpose: they are not what a claim asserts.
All patterns are bounded (no nested unbounded repeats), so a 5 MB input scans in linear time.

Split by job: numerals.py reads numbers, units.py says which unit a number carries (its words are in
vocab/units.yaml), counted.py reads counted nouns and number words; this module finds where quantities are in a
sentence and puts the pieces together.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from .counted import _WORD_QUANTITY, _counted, _has_ascii_letters, _word_quantities
from .model import Quantity
from .numerals import _CN_NUM, _num, _plain
from .numerals import parse_cjk_number as parse_cjk_number  # (part of this module's interface)
from .units import _DOLLAR_COUNTRIES, _compiled, _from_match, _mixed_range, _word_prefix

# "增加了一倍" / "翻了一倍": in Chinese, growing "by one times" means doubling, i.e. 2x the old value.
# An approximation or threshold word may stand between ("增长约一倍", "增加了近一倍", "上涨超过一倍"); a
# share price "rising by one times" has doubled too.
_DOUBLED = re.compile(
    r"(?:翻了|翻|增加了|增长了|提高了|提升了|上涨了|上升了|涨了|增加|增长|提高|上涨|上升)"
    r"(?:约|近|大约|将近|接近|超过|超|逾|多达)?$"
)
# What may stand before a minus sign that makes the number negative (not a range "5-10%", not "GPT-4").
_BEFORE_SIGN = frozenset(" \t\n(（:：,，")
# 数十亿 / 几百: "several billion" names no value; such numbers are left out.
_VAGUE_BEFORE = frozenset("数几")
# Halves written without a number: 一半 / 半数 ("nearly half of the revenue"), English "half of" (but "the
# second half of 2026" is a period, not a quantity).
# Half a price (半額, 半价) is 0.5x too; 翻一番 / 翻番 ("turned over once") is doubling, 2x, like 翻了一倍.
_HALF = re.compile(
    r"一半|半数|半額|半价|半値|(?i:(?<!first )(?<!second )(?<!the )\bhalf\s+of\b)|(?P<double>翻了?一番|翻番)"
)
_MAYBE_DIGIT = r"0-9\u0660-\u1fff\ua600-\uabff\uff10-\uff19\U00010000-\U0010ffff"
_ANCHOR = re.compile(
    rf"[{_MAYBE_DIGIT}$€¥￥₩{_CN_NUM}]"
    r"(?:(?<=\d)(?<![\d.,]\d)(?![\d.,]*\s?(?:年|月|日|号|號|点|時|时|秒|岁|歲|楼|樓|位|名|次|字|页|頁|分(?![之の])))"
    r"|(?<=[$€¥￥₩])"
    rf"|(?<=[{_CN_NUM}])(?<![{_CN_NUM}][{_CN_NUM}])[{_CN_NUM}]{{0,11}}"
    r"(?=倍|成|割|分[之の]|美元|美金|元|日元|欧元|人民币|个百分点|個百分點|%|到|至|~|-))"
)
# Words that must be present before the slower half / number-word patterns are worth running at all.
_HALF_WORDS = ("一半", "半数", "半額", "半价", "半値", "一番", "翻番", "half")
_SCALE_WORDS = (
    "hundred",
    "thousand",
    "million",
    "billion",
    "trillion",
    "half",
    "halves",
    "third",
    "quarter",
    "fifth",
    "tenth",
    "times",
    "fold",
)

# NumberIndex's quick tests for the words above. Each is passed by every document that holds one of the words
# in norm.lower() (tests/analysis/test_quantity_shortcuts.py checks the facts this rests on):
# - CJK characters have no case, and no other character lower-cases into them, so a CJK word is in
#   norm.lower() exactly when it is in norm;
# - an ASCII word in norm.lower() is also in norm's ASCII characters, lower-cased: only A-Z, K (Kelvin) and İ
#   lower-case into ASCII letters, no word holds a k, and İ's i is followed by a combining dot.
_HALF_ASCII = re.compile(b"|".join(re.escape(w.encode()) for w in _HALF_WORDS if w.isascii()))
_SCALE_ASCII = re.compile(b"|".join(re.escape(w.encode()) for w in _SCALE_WORDS))
# The CJK half words are looked for by a rare character of theirs: the regex engine finds one literal
# character ~10x faster than any of several (一 is everywhere, and 半 too is common: 半导体).
_HALF_CHARS = "半番"


def _by_character(words: list[str], rare: str) -> list[re.Pattern[str]]:
    """Patterns that together find any of `words`, each opening with one character (from `rare` if the word
    holds one) and checking the rest of the word around it."""
    around: dict[str, list[str]] = {}
    for w in words:
        c = next((ch for ch in w if ch in rare), w[0])
        k = w.index(c)
        around.setdefault(c, []).append(f"(?<={re.escape(w[: k + 1])})(?={re.escape(w[k + 1 :])})")
    return [re.compile(re.escape(c) + "(?:" + "|".join(alts) + ")") for c, alts in around.items()]


_HALF_CJK = _by_character([w for w in _HALF_WORDS if not w.isascii()], _HALF_CHARS)


class NumberIndex:
    """Where numbers may start in a whole document, found in one scan each, so that sentences look them up
    (bisect) instead of rescanning their text."""

    def __init__(self, norm: str) -> None:
        self.anchors = [m.start() for m in _ANCHOR.finditer(norm)]
        # The half and number-word patterns run only when one of their words is in the lower-cased document.
        # Lower-casing a whole document and searching it once per word cost ~60 us per seed, so quick tests
        # that never miss a word go first, and the exact test runs only when one of them passes.
        ascii_lower = norm.encode("ascii", "ignore").lower()
        maybe_halves = bool(any(p.search(norm) for p in _HALF_CJK) or _HALF_ASCII.search(ascii_lower))
        maybe_words = _SCALE_ASCII.search(ascii_lower) is not None
        lowered = norm.lower() if maybe_halves or maybe_words else ""
        halves = maybe_halves and any(w in lowered for w in _HALF_WORDS)
        self.halves = [m.start() for m in _HALF.finditer(norm)] if halves else []
        words = maybe_words and any(w in lowered for w in _SCALE_WORDS)
        self.words = [m.start() for m in _WORD_QUANTITY.finditer(norm)] if words else []

    def anchors_in(self, start: int, end: int) -> list[int]:
        return self.anchors[bisect_left(self.anchors, start) : bisect_left(self.anchors, end)]

    @staticmethod
    def _has(positions: list[int], start: int, end: int) -> bool:
        i = bisect_left(positions, start)
        return i < len(positions) and positions[i] < end

    def any_in(self, start: int, end: int) -> bool:
        # Asked for every candidate sentence; halves and words are empty in most documents.
        anchors = self.anchors
        i = bisect_left(anchors, start)
        if i < len(anchors) and anchors[i] < end:
            return True
        halves, words = self.halves, self.words
        return bool((halves and self._has(halves, start, end)) or (words and self._has(words, start, end)))


def extract_quantities(
    norm: str, original: str, start: int, end: int, *, language: str, index: NumberIndex | None = None
) -> list[Quantity]:
    """Quantities in norm[start:end]; `text` of each is the slice of `original` as written.

    `index` (built once per document) spares rescanning the sentence for number starts."""
    pattern, info = _compiled()
    unit_words, prefix = info["unit_words"], info["prefix"]
    may_prefix = info["may_precede_prefix"]
    out: list[Quantity] = []
    covered = start
    if index is not None:
        anchors = index.anchors_in(start, end)
        halves = bool(index.halves) and NumberIndex._has(index.halves, start, end)
        words = bool(index.words) and NumberIndex._has(index.words, start, end)
    else:
        anchors = [m.start() for m in _ANCHOR.finditer(norm, start, end)]
        halves = words = True
    for pos in anchors:
        if pos < covered:
            continue  # inside a number already read ("6000亿": the 0s and 亿 are anchors too)
        m = pattern.match(norm, pos, end)
        if m is None:
            continue
        covered = max(m.end(), pos + 1)
        if pos > start and norm[pos - 1] in _VAGUE_BEFORE:
            continue
        n1, pre, u1, n2, unit_word = m.group("n1", "pre", "u1", "n2", "unit")
        # Only a bare number may carry a currency written as a word before it (美金3000万, USD 5bn).
        # Most numbers follow a character that ends no such word (nor "US", nor a space): no call needed.
        word_prefix = ""
        if pre == "$" and pos - 2 >= start and norm[pos - 2 : pos] in _DOLLAR_COUNTRIES:
            word_prefix = norm[pos - 2 : pos] + "$"  # US$, NT$, HK$
        elif n1 is not None and not pre and pos > start and norm[pos - 1] in may_prefix:
            word_prefix = _word_prefix(norm, max(start, pos - 5), pos, info["word_prefixes"], info["prefix_last"])
        if n1 and not (unit_word or pre or u1 or word_prefix):
            counted = _counted(m, norm, original, start, end, info)
            if counted is not None:
                out.append(counted)
                covered = max(covered, original.index(counted.text, m.start()) + len(counted.text))
            continue
        if u1 and n2 and _mixed_range(m, unit_words):
            # "grew 63% to $5.2 billion" is a change between two different quantities, not a range: keep the
            # first one and let the scan read the second on its own.
            first = _num(m.group("n1"), m.group("m1"), m.group("l1"))
            if first is not None:
                unit = "%" if u1 == "%" else "x"
                out.append(Quantity(value=_plain(first), unit=unit, text=original[m.start() : m.end("u1")]))
            covered = m.end("u1")
            continue
        q = _from_match(m, unit_words, prefix, language, word_prefix)
        if q is None:
            continue
        value, unit, value_max = q
        if pos - 2 >= start and norm[pos - 1] in "-−" and norm[pos - 2] in _BEFORE_SIGN and value_max is None:
            value = -value  # "-50%", "-$2bn": a negative margin or result
        if unit == "x" and value == 1 and value_max is None and _DOUBLED.search(norm, max(start, pos - 6), pos):
            value = 2.0
        if word_prefix.endswith("$"):
            begin = pos - 2  # the country letters before the dollar sign
        else:
            begin = pos - len(word_prefix) if word_prefix and unit not in ("%", "pp", "x") else m.start()
        written = original[begin : m.end()].strip()
        if value_max is not None and _FROM.search(norm, max(start, begin - 6), begin):
            # "from 20% to 40%", "从1吉瓦到6吉瓦": a change between two values, not a range
            out.append(Quantity(value=value, unit=unit, text=written))
            out.append(Quantity(value=value_max, unit=unit, text=written))
            continue
        out.append(Quantity(value=value, unit=unit, text=written, value_max=value_max))
    if words and _has_ascii_letters(norm, start, end):
        out.extend(_word_quantities(norm, original, start, end, info))
    if halves:
        for m in _HALF.finditer(norm, start, end):
            if not any(q.text.endswith(m.group()) for q in out):
                value = 2.0 if m.group("double") else 0.5
                out.append(Quantity(value=value, unit="x", text=original[m.start() : m.end()]))
    if len(out) >= 2:
        out = _join_ranges(out, norm, original, start, end)
    return out


# What stands between the two ends of a range written with its unit twice ("$12.2 billion to $12.8 billion",
# "260元至350.4元", "3.41–3.71美元"), and what before the first end makes it a change instead ("from", 从).
_RANGE_BETWEEN = re.compile(r"\s?(?:-|–|—|~|～|至|到|to|and)\s?")
_CHANGE_BEFORE = re.compile(r"(?:\bfrom|从|從|由)\s?$", re.IGNORECASE)


def _join_ranges(found: list[Quantity], norm: str, original: str, start: int, end: int) -> list[Quantity]:
    """Two quantities of one unit with only a range word between them are one range."""
    where: list[int] = []
    cursor = start
    for q in found:
        at = original.find(q.text, cursor, end)
        if at < 0:
            return found  # (a word quantity read out of order: leave the list as it is)
        where.append(at)
        cursor = at + len(q.text)
    out: list[Quantity] = []
    i = 0
    while i < len(found):
        q = found[i]
        if i + 1 < len(found):
            nxt = found[i + 1]
            gap_start = where[i] + len(q.text)
            if (
                nxt.unit == q.unit
                and q.value_max is None
                and nxt.value_max is None
                and nxt.value > q.value
                and _RANGE_BETWEEN.fullmatch(norm, gap_start, where[i + 1])
                and not _CHANGE_BEFORE.search(norm, max(start, where[i] - 6), where[i])
            ):
                text = original[where[i] : where[i + 1] + len(nxt.text)]
                out.append(Quantity(value=q.value, unit=q.unit, text=text, value_max=nxt.value))
                i += 2
                continue
        out.append(q)
        i += 1
    return out


# Before a "range": it is a change from one value to another ("from 20% to 40%", "从1到6", "由3成升至5成").
_FROM = re.compile(r"(?:\bfrom|从|從|由)\s?$", re.IGNORECASE)
