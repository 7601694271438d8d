"""Numerals as written in zh, ja and en finance text: Arabic digits with separators, Chinese numerals, mixed
forms (11兆3000億), scale characters and Latin scale words, read into exact Decimal values."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

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
