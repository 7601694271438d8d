"""Numbers with units, normalised as INTERFACES.md says.

6000亿美元 -> 6e11 USD, 百分之九十 -> 90 %, 1/45 -> 0.0222 x.

Only numbers with a unit are quantities: a currency, %, a multiple/ratio, or a counted noun (GPU, tokens...).
Bare numbers (years, dates, page views, ages) are left out on purpose: they are not what a claim asserts.
All patterns are bounded (no nested unbounded repeats), so a 5 MB input scans in linear time.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from decimal import Decimal, InvalidOperation
from typing import Any

from .model import Quantity
from .vocabulary import get_vocabulary

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8, "兆": 10**12}

_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CN = r"[零〇一二两兩三四五六七八九十百千万萬亿億]{1,12}"
# Arabic digits between two scale characters, as ja/zh finance writes big amounts: 11兆3000億, 3亿5000万;
# and a share price's last four digits after 万 with no scale character of their own: 1万2000円 = 12000.
# Thousands separators and a 千 may sit inside the groups (7,092億4,300万円, 2兆1,000億円, 3兆8千億ウォン), and
# 1-4 digits may follow the last scale character (1万810円 = 10810).
_MIXED = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[兆亿億万萬]"
    r"(?:(?:\d{1,3}(?:,\d{3})+|\d{1,4})千?[亿億万萬]|\d{1,4}(?![\d.,]))"
)
_NUM = rf"(?:{_MIXED}|{_ARABIC}|{_CN})"
_MULT = r"[十百千万萬亿億兆]{1,3}"
_LAT = r"(?:trillion|billion|million|thousand|mln|bn|tn|mn|[kmbtKMBT])(?![A-Za-z])"
_RANGE_SEP = r"(?:\s?(?:-|–|—|~|～|至|到|to|から)\s?)"


def _alternation(words: list[str]) -> str:
    # A Latin unit must end a word: "5 xAI" has no unit x, "10 timeshare" no unit times.
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w) + ("(?![A-Za-z])" if w[-1].isascii() and w[-1].isalpha() else "") for w in ordered)


# (vocabulary, pattern, info) for the vocabulary last used: asked for once per sentence, and an identity check
# is cheaper than an lru_cache lookup keyed on id(vocabulary).
_compiled_for: tuple[Any, re.Pattern[str], dict[str, Any]] | None = None


def _compiled() -> tuple[re.Pattern[str], dict[str, Any]]:
    global _compiled_for
    vocab = get_vocabulary()
    cached = _compiled_for
    if cached is None or cached[0] is not vocab:
        cached = _compiled_for = (vocab, *_compile(vocab.units))
    return cached[1], cached[2]


def _compile(units: dict[str, Any]) -> tuple[re.Pattern[str], dict[str, Any]]:
    suffix_cur = units["currency_suffix"]
    prefix_cur = units["currency_prefix"]
    count = {alias: noun for noun, aliases in units["count_nouns"].items() for alias in aliases}
    unit_words = {
        **{w: ("cur", code) for w, code in suffix_cur.items()},
        **{w: ("count", noun) for w, noun in count.items()},
        **{w: (kind, "") for kind, words in units["ratio_units"].items() for w in words},
    }
    unit_re = _alternation(list(unit_words))
    pattern = re.compile(
        # 百分之九十 / 百分之17.5
        rf"(?P<pct_cn>百分之(?P<pc>{_NUM}))"
        # 十分之一 (zh: denominator first) / 45分の1 (ja: same order)
        # (a denominator is a run of digits and numerals, so the lookahead holds whenever the branch can match;
        # where no 分 ends the run, it spares the number parse: ~13% of the time per match)
        rf"|(?=[\d.,兆{_CN_NUM}]*+分)(?P<frac_cn>(?P<den>{_NUM})分[之の](?P<nom>{_NUM}))"
        # 1/45 (not part of a date such as 2025/1/27: no digit or slash around it)
        rf"|(?<![\d/.])(?P<frac>(?P<fa>\d{{1,3}})/(?P<fb>\d{{1,4}}))(?![\d/])"
        # 三成 / 3割: tenths as percent; 一成不变 (unchanged) and 八成是 (probably) are idioms, not quantities
        rf"|(?P<tenth>(?P<tn>[一二两三四五六七八九十]|\d{{1,2}})(?P<tu>成(?!不变|是|会|要|就)|割(?![安高引])))"
        # a percentage glued to a word ("GPU90%", "PE50%"): only with the % sign, never a product code
        r"|(?<=[A-Za-z])(?P<glued>\d{1,3}(?:\.\d+)?)%"
        # the general case: [symbol] number [scale] [range] [unit]; never inside a product code (B200, GPT-4)
        # (a minus sign after a space or bracket is a sign: "operating margin of -50%", not a product code)
        # (US$, NT$, HK$: the dollar sign after its country letters; _dollar_code reads which dollar)
        rf"|(?:(?<![A-Za-z0-9_.\-])|(?<=[\s(（:：,，][-−])|(?<=US|NT|HK)(?=\$))(?P<pre>\$|€|¥|￥|₩)?\s?"
        # a space may stand between a number and its CJK scale ("46 亿美元", "3,436.14 億元")
        rf"(?P<n1>{_NUM})(?:\s?(?P<m1>{_MULT}))?(?:\s?(?P<l1>{_LAT}))?(?P<u1>%|倍)?"
        rf"(?:{_RANGE_SEP}(?P<pre2>US\$|\$|€|¥|￥|₩)?(?P<n2>{_NUM})(?P<m2>{_MULT})?(?:\s?(?P<l2>{_LAT}))?)?"
        rf"\s?(?P<unit>{unit_re})?"
    )
    word_prefixes = sorted((p for p in prefix_cur if p[-1].isalpha()), key=len, reverse=True)
    counter_nouns = {alias: noun for noun, aliases in units.get("counter_nouns", {}).items() for alias in aliases}
    return pattern, {
        "unit_words": unit_words,
        "prefix": prefix_cur,
        "word_prefixes": word_prefixes,
        # last characters of those words (美金 -> 金): most numbers are preceded by none of them
        "prefix_last": frozenset(p[-1] for p in word_prefixes),
        # what a number right after a currency word can follow: its last letter, a space, or the S of US$
        "may_precede_prefix": frozenset(p[-1] for p in word_prefixes) | {" ", "S"},
        "unit_only": re.compile(unit_re),
        "counters": frozenset(units.get("counters", [])),
        "counter_nouns": counter_nouns,
        "counter_noun_re": re.compile(_alternation(list(counter_nouns)), re.IGNORECASE) if counter_nouns else None,
    }


# A product code between a number and its noun: "50,000 MI450 chips", "278.8万个H800 GPU小时".
_MODEL = re.compile(r"\s?(?:[A-Za-z]{1,4}\d{2,4}[A-Za-z]{0,2}|[A-Z][a-z]{2,11}\d{0,2}|\d{3}[A-Z])\s?")
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
# English number words: "one million TPUs", "two thirds of AI compute".
_WORD_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "hundreds": 0,
    "several": 0,
}
_FRACTIONS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fifth": 5,
    "fifths": 5,
    "tenth": 10,
    "tenths": 10,
}
# Halves written without a number: 一半 / 半数 ("nearly half of the revenue"), English "half of" (but "the
# second half of 2026" is a period, not a quantity).
# Half a price (半額, 半价) is 0.5x too; 翻一番 / 翻番 ("turned over once") is doubling, 2x, like 翻了一倍.
_HALF = re.compile(
    r"一半|半数|半額|半价|半値|(?i:(?<!first )(?<!second )(?<!the )\bhalf\s+of\b)|(?P<double>翻了?一番|翻番)"
)
_WORD_QUANTITY = re.compile(
    r"(?i)\b(?P<w>one|two|three|four|five|six|seven|eight|nine|ten|an?)[\s-]"
    r"(?:(?P<scale>hundred|thousand|million|billion|trillion)\b|(?P<frac>halves|half|thirds?|quarters?|fifths?|tenths?)"
    # a multiple in words, as 25倍 / 25x is in digits: "roughly ten times a typical rack", "a three-fold rise"
    r"(?=\s+of\b)|(?P<times>times|fold)\b)"
)


# Characters a quantity can start with. Scanning for these is one fast C loop; the full pattern is then tried
# only at those positions (trying it at every position costs ~3 ms on a seed-size document).
# A run of Chinese numerals is an anchor only when a unit, a scale or a range follows it: 一 and 十 are
# everywhere in Chinese prose (一些, 十分), numbers with units are rare.
# An Arabic number is not an anchor when a date, time or ordinal word follows it (2025年, 1月, 20点, 13分,
# 第3位): those are never quantities, and skipping them here saves most of the work on dated news text.
# The pattern opens with one character class (so the regex engine skips other text in C) and then checks,
# by looking back at that character, which kind of start it is.
# The opening class holds \d by code point ranges, not by category: a category test on every character was
# most of the scan. The ranges are a superset of \d (tests/analysis/test_regex_rewrites.py checks every code
# point); a non-digit among them fails every branch below, whose look-behinds test \d itself.
_CN_NUM = "零〇一二两兩三四五六七八九十百千万萬亿億"
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


_DIGIT_RUNS = re.compile(r"\d+(?:\.\d+)?|.")


_CJK_NUMERALS = frozenset([*_CN_DIGITS, *_CN_SMALL, *_CN_BIG])


def parse_cjk_number(text: str) -> Decimal | None:
    """六千亿 -> 600000000000, 二十五 -> 25, 十 -> 10, 两 -> 2, 1.5 -> 1.5, 11兆3000億 -> 11300000000000;
    None when it is not a number."""
    # Decimal() accepts only Unicode decimal digits, never a CJK numeral: with one in the text it would raise,
    # and a raised exception is the dearest path in the compiled build, so it is not tried at all.
    text = text.replace(",", "")  # thousands separators, also inside mixed groups (7,092億4,300万)
    if _CJK_NUMERALS.isdisjoint(text):
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    total = Decimal(0)  # completed big-unit groups
    section = Decimal(0)  # current group below 万
    digit: Decimal | None = None
    seen = False
    for ch in _DIGIT_RUNS.findall(text) if text[:1].isdigit() else text:
        if ch[0].isdigit():  # a run of Arabic digits (11兆3000億): one digit group
            digit = Decimal(ch)
            seen = True
        elif ch in _CN_DIGITS:
            digit = Decimal(_CN_DIGITS[ch])
            seen = True
        elif ch in _CN_SMALL:
            section += (digit if digit is not None else Decimal(1)) * _CN_SMALL[ch]
            digit = None
            seen = True
        elif ch in _CN_BIG:
            section += digit or 0
            group = section if section or seen else Decimal(1)
            total = (total + group) * _CN_BIG[ch] if total and total < _CN_BIG[ch] else total + group * _CN_BIG[ch]
            section, digit = Decimal(0), None
            seen = True
        else:
            return None
    if not seen:
        return None
    return total + section + (digit or 0)


def _mult(m: str | None) -> Decimal:
    value = Decimal(1)
    for ch in m or "":
        value *= _CN_SMALL.get(ch) or _CN_BIG.get(ch) or 1
    return value


_LAT_SCALE = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "mln": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "t": 10**12,
    "tn": 10**12,
    "trillion": 10**12,
}


def _num(n: str | None, m: str | None, lat: str | None) -> Decimal | None:
    if not n:
        return None
    value = parse_cjk_number(n)
    if value is None:
        return None
    return value * _mult(m) * (_LAT_SCALE[lat.lower()] if lat else 1)


def _plain(value: Decimal, *, ratio: bool = False) -> float:
    # Ratios are printed to 4 decimals (1/45 -> 0.0222), everything else exactly.
    return round(float(value), 4) if ratio else float(value)


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


def _mixed_range(m: re.Match[str], unit_words: dict) -> bool:
    """Do the two ends of a "range" carry different units (63% ... $5.2 billion)?"""
    if m.group("pre2"):
        return True
    unit = m.group("unit")
    if not unit:
        return False
    first = "pct" if m.group("u1") == "%" else "x"
    return unit_words.get(unit, (None,))[0] not in (first, "pp" if first == "pct" else "x")


def _has_ascii_letters(norm: str, start: int, end: int) -> bool:
    return _ASCII_WORD.search(norm, start, end) is not None


_ASCII_WORD = re.compile(r"[A-Za-z]{2}")


def _counted(m: re.Match[str], norm: str, original: str, start: int, end: int, info: dict) -> Quantity | None:
    """A number whose noun comes after a counter or a product code: 100万颗H20, 50,000 MI450 chips, 5万张."""
    value = _num(m.group("n1"), m.group("m1"), m.group("l1"))
    if value is None:
        return None
    high = None
    if m.group("n2"):  # a range of counts: "33到34万颗" (the scale written once applies to both ends)
        m2 = m.group("m2")
        high = _num(m.group("n2"), m2, m.group("l2"))
        if high is None:
            return None
        if m2 and not m.group("m1"):
            value = _num(m.group("n1"), m2, m.group("l1")) or value
    pos = m.end()
    counter = pos < end and norm[pos] in info["counters"]
    if counter:
        pos += 1
    model = _MODEL.match(norm, pos, end)
    after_model = model.end() if model else pos
    unit_match = info["unit_only"].match(norm, after_model, end)
    if unit_match is not None:
        kind, noun = info["unit_words"][unit_match.group()]
        if kind == "count":
            text = original[m.start() : unit_match.end()].strip()
            return Quantity(value=_plain(value), unit=noun, text=text, value_max=_plain(high) if high else None)
        return None
    if not counter or info["counter_noun_re"] is None:
        return None
    # The counter's noun: a product or count word just after it, else the last one before the number.
    noun_re = info["counter_noun_re"]
    after = noun_re.match(norm, pos, end) or (noun_re.match(norm, after_model, end) if model else None)
    if after is None:
        before = None
        for found in noun_re.finditer(norm, start, m.start()):
            before = found
        if before is None:
            return None
        noun = _lookup_noun(info["counter_nouns"], before.group())
        text = original[m.start() : pos].strip()
    else:
        noun = _lookup_noun(info["counter_nouns"], after.group())
        text = original[m.start() : after.end()].strip()
    return Quantity(value=_plain(value), unit=noun, text=text, value_max=_plain(high) if high else None)


def _lookup_noun(nouns: dict[str, str], written: str) -> str:
    return nouns.get(written) or next(v for k, v in nouns.items() if k.casefold() == written.casefold())


def _word_quantities(norm: str, original: str, start: int, end: int, info: dict) -> list[Quantity]:
    out = []
    for m in _WORD_QUANTITY.finditer(norm, start, end):
        count = _WORD_NUMBERS[m.group("w").lower()]
        if m.group("times"):
            if count >= 2:  # "a times" and "one times" are not multiples
                out.append(Quantity(value=_plain(Decimal(count)), unit="x", text=original[m.start() : m.end()]))
            continue
        if m.group("frac"):
            denominator = _FRACTIONS[m.group("frac").lower()]
            out.append(Quantity(value=round(count / denominator, 4), unit="x", text=original[m.start() : m.end()]))
            continue
        value = Decimal(count) * _LAT_SCALE[m.group("scale").lower()]
        tail = norm[m.end() : end]
        spaces = len(tail) - len(tail.lstrip(" "))
        model = _MODEL.match(norm, m.end() + spaces, end)
        at = model.end() if model else m.end() + spaces
        unit_match = info["unit_only"].match(norm, at, end)
        if unit_match is None:
            continue
        kind, code = info["unit_words"][unit_match.group()]
        if kind not in ("count", "cur"):
            continue
        out.append(Quantity(value=_plain(value), unit=code, text=original[m.start() : unit_match.end()]))
    return out


def _word_prefix(norm: str, lo: int, pos: int, prefixes: list[str], last_chars: frozenset[str]) -> str:
    """A currency written as a word before the number ("美金3000万", "USD 5bn", "US$30bn"): that prefix."""
    before = norm[lo:pos]
    if not before:
        return ""
    if before.endswith("US") and norm.startswith("$", pos):
        return "US"
    last = before[-2] if before[-1] == " " and len(before) > 1 else before[-1]
    if last not in last_chars:
        return ""  # the common case, decided without trying every prefix
    for p in prefixes:
        for candidate in (p, p + " "):
            if before.endswith(candidate):
                return candidate
    return ""


def _from_match(m: re.Match[str], unit_words: dict, prefix: dict, language: str, word_prefix: str) -> tuple | None:
    # m.group() with several names, not m.groupdict(): building a dict of all 25 groups cost ~1 us per number.
    pct_cn, frac_cn, frac, glued, tenth = m.group("pct_cn", "frac_cn", "frac", "glued", "tenth")
    if pct_cn:
        v = parse_cjk_number(m.group("pc"))
        return None if v is None else (_plain(v), "%", None)
    if frac_cn:
        den, nom = parse_cjk_number(m.group("den")), parse_cjk_number(m.group("nom"))
        if not den or nom is None:
            return None
        return _plain(nom / den, ratio=True), "x", None
    if frac:
        a, b = Decimal(m.group("fa")), Decimal(m.group("fb"))
        # Only proper fractions: 3/4, 1/45; "24/7" or "2/1" are not ratios a claim would quote.
        if not b or a >= b:
            return None
        if _DATE_RANGE.search(m.string, max(0, m.start() - 9), m.start()) or _DATE_AFTER.match(m.string, m.end()):
            return None  # "from 5/1 - 5/22", "8/8–8/28": month/day dates of a range, not fractions
        return _plain(a / b, ratio=True), "x", None
    if glued:
        return _plain(Decimal(glued)), "%", None
    if tenth:
        v = parse_cjk_number(m.group("tn"))
        return None if v is None or v > 10 else (_plain(v * 10), "%", None)

    unit_word, u1, pre, n1, m1, l1, n2, m2, l2 = m.group("unit", "u1", "pre", "n1", "m1", "l1", "n2", "m2", "l2")
    kind, code = unit_words.get(unit_word, (None, None)) if unit_word else (None, None)
    if u1 and not kind:
        kind, code = ("pct", "") if u1 == "%" else ("x", "")
    if pre and kind in (None, "cur"):
        kind, code = "cur", prefix[word_prefix if word_prefix.endswith("$") else pre]
    elif word_prefix not in ("", "US") and kind in (None, "cur"):
        kind, code = "cur", prefix[word_prefix.strip()]
    if kind is None:
        return None
    if kind == "x" and unit_word in ("x", "X") and l1:
        return None
    # A range written once with its scale ("3.6-3.7万亿", "$600-700bn"): the scale applies to both ends.
    if n2 and not m1 and not l1:
        m1, l1 = m2, l2
    if l1 and len(l1) == 1 and kind != "cur" and not (kind == "count" and code in _MODEL_SIZES):
        return None  # "910B chips", "5M units": a product code or a model name, not 910 billion chips
    low = _num(n1, m1, l1)
    high = _num(n2, m2, l2) if n2 else None
    if low is None:
        return None
    if kind == "cur" and code == "¥":
        # ¥ is the yuan in Chinese writing and the yen everywhere else.
        code = "CNY" if language == "zh" else "JPY"
    unit = _UNIT_OF_KIND.get(kind, code)
    return _plain(low), unit, (_plain(high) if high is not None else None)


_UNIT_OF_KIND = {"pct": "%", "pp": "pp", "x": "x"}
_DOLLAR_COUNTRIES = ("US", "NT", "HK")
# Before a "range": it is a change from one value to another ("from 20% to 40%", "从1到6", "由3成升至5成").
_FROM = re.compile(r"(?:\bfrom|从|從|由)\s?$", re.IGNORECASE)
# Counts that are written with a one-letter scale: "7B parameters", "1T tokens".
# A month/day date just before a fraction-shaped number, across a range dash, or one just after it: both are dates.
_DATE_RANGE = re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}\s?[-–~～]\s?$")
_DATE_AFTER = re.compile(r"\s?[-–~～]\s?\d{1,2}/\d{1,2}(?![\d/])")
_MODEL_SIZES = frozenset({"parameters", "tokens"})
