"""Which unit a number carries: the quantity pattern (symbol, number, scale, range, unit word) compiled from the
vocabulary's unit words (vocab/units.yaml), and the reading of one match into (value, unit, value_max)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .numerals import _CN_NUM, _LAT, _MULT, _NUM, _RANGE_SEP, _num, _plain, parse_cjk_number
from .vocabulary import get_vocabulary


def _alternation(words: list[str]) -> str:
    # A Latin unit must end a word: "5 xAI" has no unit x, "10 timeshare" no unit times; a multiplication sign
    # glued to a product name counts products ("an 8×H100 node"), it is no multiple.
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w) + _unit_end(w) for w in ordered)


def _unit_end(word: str) -> str:
    if word == "×":
        return "(?![A-Za-z0-9])"
    return "(?![A-Za-z])" if word[-1].isascii() and word[-1].isalpha() else ""


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


def _mixed_range(m: re.Match[str], unit_words: dict) -> bool:
    """Do the two ends of a "range" carry different units (63% ... $5.2 billion)?"""
    if m.group("pre2"):
        return True
    unit = m.group("unit")
    if not unit:
        return False
    first = "pct" if m.group("u1") == "%" else "x"
    return unit_words.get(unit, (None,))[0] not in (first, "pp" if first == "pct" else "x")


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
# Counts that are written with a one-letter scale: "7B parameters", "1T tokens".
# A month/day date just before a fraction-shaped number, across a range dash, or one just after it: both are dates.
_DATE_RANGE = re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}\s?[-–~～]\s?$")
_DATE_AFTER = re.compile(r"\s?[-–~～]\s?\d{1,2}/\d{1,2}(?![\d/])")
_MODEL_SIZES = frozenset({"parameters", "tokens"})
