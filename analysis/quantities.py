"""Numbers with units, normalised as INTERFACES.md says.

6000亿美元 -> 6e11 USD, 百分之九十 -> 90 %, 1/45 -> 0.0222 x.

Only numbers with a unit are quantities: a currency, %, a multiple/ratio, or a counted noun (GPU, tokens...).
Bare numbers (years, dates, page views, ages) are left out on purpose: they are not what a claim asserts.
All patterns are bounded (no nested unbounded repeats), so a 5 MB input scans in linear time.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from .model import Quantity

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
_NUM = rf"(?:{_ARABIC}|{_CN})"
_MULT = r"[十百千万萬亿億兆]{1,3}"
_LAT = r"(?:trillion|billion|million|thousand|mln|bn|tn|mn|[kmbtKMBT])(?![A-Za-z])"
_RANGE_SEP = r"(?:\s?(?:-|–|—|~|～|至|到|to|から)\s?)"


def _alternation(words: list[str]) -> str:
    # A Latin unit must end a word: "5 xAI" has no unit x, "10 timeshare" no unit times.
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w) + ("(?![A-Za-z])" if w[-1].isascii() and w[-1].isalpha() else "") for w in ordered)


@lru_cache(maxsize=1)
def _compiled(units_id: int) -> tuple[re.Pattern[str], dict[str, Any]]:
    from .vocabulary import get_vocabulary

    units = get_vocabulary().units
    suffix_cur = units["currency_suffix"]
    prefix_cur = units["currency_prefix"]
    count = {alias: noun for noun, aliases in units["count_nouns"].items() for alias in aliases}
    unit_words = {
        **{w: ("cur", code) for w, code in suffix_cur.items()},
        **{w: ("count", noun) for w, noun in count.items()},
        "%": ("pct", ""),
        "percent": ("pct", ""),
        "per cent": ("pct", ""),
        "pct": ("pct", ""),
        "个百分点": ("pp", ""),
        "個百分點": ("pp", ""),
        "ポイント": ("pp", ""),
        "percentage points": ("pp", ""),
        "倍": ("x", ""),
        "x": ("x", ""),
        "X": ("x", ""),
        "times": ("x", ""),
        "fold": ("x", ""),
        "-fold": ("x", ""),
    }
    unit_re = _alternation(list(unit_words))
    pattern = re.compile(
        # 百分之九十 / 百分之17.5
        rf"(?P<pct_cn>百分之(?P<pc>{_NUM}))"
        # 十分之一 (zh: denominator first) / 45分の1 (ja: same order)
        rf"|(?P<frac_cn>(?P<den>{_NUM})分[之の](?P<nom>{_NUM}))"
        # 1/45 (not part of a date such as 2025/1/27: no digit or slash around it)
        rf"|(?<![\d/.])(?P<frac>(?P<fa>\d{{1,3}})/(?P<fb>\d{{1,4}}))(?![\d/])"
        # 三成 / 3割: tenths as percent; 一成不变 (unchanged) and 八成是 (probably) are idioms, not quantities
        rf"|(?P<tenth>(?P<tn>[一二两三四五六七八九十]|\d{{1,2}})(?P<tu>成(?!不变|是|会|要|就)|割(?![安高引])))|(?<![A-Za-z0-9_.])"
        rf"(?P<pre>US\$|\$|€|¥|￥|美金|人民币|RMB|USD|EUR|JPY|CNY)?\s?"
        rf"(?P<n1>{_NUM})(?P<m1>{_MULT})?(?:\s?(?P<l1>{_LAT}))?(?P<u1>%|倍)?"
        rf"(?:{_RANGE_SEP}(?P<pre2>US\$|\$|€|¥|￥)?(?P<n2>{_NUM})(?P<m2>{_MULT})?(?:\s?(?P<l2>{_LAT}))?)?"
        rf"\s?(?P<unit>{unit_re})?"
    )
    return pattern, {"unit_words": unit_words, "prefix": prefix_cur}


def parse_cjk_number(text: str) -> Decimal | None:
    """六千亿 -> 600000000000, 二十五 -> 25, 十 -> 10, 两 -> 2, 1.5 -> 1.5; None when it is not a number."""
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        pass
    total = Decimal(0)  # completed big-unit groups
    section = Decimal(0)  # current group below 万
    digit: Decimal | None = None
    seen = False
    for ch in text:
        if ch in _CN_DIGITS:
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


def extract_quantities(norm: str, original: str, start: int, end: int, *, language: str) -> list[Quantity]:
    """Quantities in norm[start:end]; `text` of each is the slice of `original` as written."""
    from .vocabulary import get_vocabulary

    pattern, info = _compiled(id(get_vocabulary()))
    unit_words, prefix = info["unit_words"], info["prefix"]
    out: list[Quantity] = []
    for m in pattern.finditer(norm, start, end):
        q = _from_match(m, unit_words, prefix, language)
        if q is None:
            continue
        value, unit, value_max = q
        written = original[m.start() : m.end()].strip()
        out.append(Quantity(value=value, unit=unit, text=written, value_max=value_max))
    return out


def _from_match(m: re.Match[str], unit_words: dict, prefix: dict, language: str) -> tuple | None:
    g = m.groupdict()
    if g["pct_cn"]:
        v = parse_cjk_number(g["pc"])
        return None if v is None else (_plain(v), "%", None)
    if g["frac_cn"]:
        den, nom = parse_cjk_number(g["den"]), parse_cjk_number(g["nom"])
        if not den or nom is None:
            return None
        return _plain(nom / den, ratio=True), "x", None
    if g["frac"]:
        a, b = Decimal(g["fa"]), Decimal(g["fb"])
        # Only proper fractions: 3/4, 1/45; "24/7" or "2/1" are not ratios a claim would quote.
        if not b or a >= b:
            return None
        return _plain(a / b, ratio=True), "x", None
    if g["tenth"]:
        v = parse_cjk_number(g["tn"])
        return None if v is None or v > 10 else (_plain(v * 10), "%", None)

    unit_word = g["unit"]
    kind, code = unit_words.get(unit_word, (None, None)) if unit_word else (None, None)
    if g["u1"] and not kind:
        kind, code = ("pct", "") if g["u1"] == "%" else ("x", "")
    if g["pre"] and kind in (None, "cur"):
        kind, code = "cur", prefix[g["pre"]]
    if kind is None:
        return None
    if kind == "x" and unit_word in ("x", "X") and g["l1"]:
        return None
    m1 = g["m1"]
    l1 = g["l1"]
    # A range written once with its scale ("3.6-3.7万亿", "$600-700bn"): the scale applies to both ends.
    if g["n2"] and not m1 and not l1:
        m1, l1 = g["m2"], g["l2"]
    low = _num(g["n1"], m1, l1)
    high = _num(g["n2"], g["m2"], g["l2"]) if g["n2"] else None
    if low is None:
        return None
    if kind == "cur" and code == "¥":
        # ¥ is the yuan in Chinese writing and the yen everywhere else.
        code = "CNY" if language == "zh" else "JPY"
    unit = {"pct": "%", "pp": "pp", "x": "x"}.get(kind, code)
    return _plain(low), unit, (_plain(high) if high is not None else None)
