"""Counted nouns: a bare number becomes a quantity when a counted noun follows it (100万颗H20, 50,000 MI450
chips, 5万张 with the noun named nearby), and English number words ("one million TPUs", "two thirds")."""

from __future__ import annotations

import re
from decimal import Decimal

from .model import Quantity
from .numerals import _FRACTIONS, _LAT_SCALE, _WORD_NUMBERS, _num, _plain

# A product code between a number and its noun: "50,000 MI450 chips", "278.8万个H800 GPU小时".
_MODEL = re.compile(r"\s?(?:[A-Za-z]{1,4}\d{2,4}[A-Za-z]{0,2}|[A-Z][a-z]{2,11}\d{0,2}|\d{3}[A-Z])\s?")
_WORD_QUANTITY = re.compile(
    r"(?i)\b(?P<w>one|two|three|four|five|six|seven|eight|nine|ten|an?)[\s-]"
    r"(?:(?P<scale>hundred|thousand|million|billion|trillion)\b|(?P<frac>halves|half|thirds?|quarters?|fifths?|tenths?)"
    # a multiple in words, as 25倍 / 25x is in digits: "roughly ten times a typical rack", "a three-fold rise"
    r"(?=\s+of\b)|(?P<times>times|fold)\b)"
)


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
    if after is None and pos + 2 < end and _is_han(norm[pos]):
        # one or two words of description between the counter and its noun: "10萬個新晶片組", "5万颗国产芯片"
        after = noun_re.match(norm, pos + 1, end)
        if after is None and _is_han(norm[pos + 1]):
            after = noun_re.match(norm, pos + 2, end)
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


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


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
