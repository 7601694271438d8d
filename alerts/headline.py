"""An alert title that states the fact: "NVIDIA Q3 revenue US$35.1B, +94% y/y · bullish · Reuters".

Entity, period and metric words come from the claim (the metric from its quantities when the engine names
one, else from the sentence's own words), the figures are the claim's normalised quantities written short
(with a sign when the sentence says the figure is a rise or a fall), then the stance and the source.
A claim without figures gets a short form of its sentence instead.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from chipwatch.alerts.rules import ClaimFacts

SEP = " · "
_SYMBOLS = {"USD": "US$", "CNY": "CN¥", "JPY": "¥", "EUR": "€", "TWD": "NT$", "KRW": "₩", "HKD": "HK$", "GBP": "£"}
_SCALES = ((Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"))
MAX_FIGURES = 2
FALLBACK_CHARS = 80
METRIC_REACH = 30  # characters between a metric word and the figure it names

# Metric words, in the order they win when several sit at the same distance; cues in en, zh and ja.
_METRICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("market value", ("market value", "market cap", "市值", "時価総額")),
    ("gross margin", ("gross margin", "毛利率", "粗利率", "売上総利益率")),
    ("revenue", ("revenue", "sales", "营收", "營收", "收入", "营业额", "売上高", "売上", "売り上げ")),
    ("net profit", ("net income", "profit", "净利", "淨利", "利润", "純利益", "営業利益")),
    ("capex", ("capex", "capital expenditure", "capital spending", "资本支出", "資本支出", "設備投資")),
    ("market share", ("market share", "市占", "份额", "シェア")),
    ("shares", ("shares", "stock", "股价", "股價", "株価")),
    ("orders", ("orders", "订单", "訂單", "受注")),
    ("shipments", ("shipments", "出货", "出貨", "出荷")),
    ("capacity", ("capacity", "产能", "產能", "生産能力")),
    ("price", ("price", "价格", "價格", "価格", "售价")),
    ("cost", ("cost", "成本", "コスト")),
    ("guidance", ("guidance", "forecast", "outlook", "指引", "見通し")),
)
_UP = ("up", "rose", "rise", "rises", "jumped", "jumps", "surged", "soared", "gained", "grew", "increased", "climbed")
_DOWN = ("down", "fell", "falls", "dropped", "declined", "plunged", "slumped", "sank", "lost", "slid", "tumbled")
_UP_CJK = ("增长", "增長", "上涨", "上漲", "涨", "漲", "飙升", "増加", "増", "上昇", "伸び", "急騰")
_DOWN_CJK = ("下跌", "暴跌", "下滑", "下降", "跌", "减少", "減少", "蒸发", "蒸發", "減", "下落", "低下", "急落")
_LEVEL = re.compile(r"\bto\b|至|到|に")  # "slipped to 73%": a level, not a move
_YEAR_ON_YEAR = re.compile(
    r"year[- ]ago|year[- ]over[- ]year|year[- ]on[- ]year|\by/y\b|\byoy\b|同比|前年同期比|前年比"
)
_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_PERIOD = (
    re.compile(r"\bQ([1-4])\b"),
    re.compile(r"\b(first|second|third|fourth)[- ]quarter", re.IGNORECASE),
    re.compile(r"第?([一二三四1-4])(?:财|財|会计|會計)?季度"),
    re.compile(r"第([1-4１-４])四半期"),
)


def _short_number(value: Decimal) -> str:
    digits = 3 if abs(value) < 1 else 2  # 1/45 reads 0.022x, not 0.02x
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")


def short_figure(q: dict[str, Any]) -> str:
    """A normalised quantity written short: US$35.1B, CN¥600B, 17%, 25x, 10,000 GPU."""
    unit = str(q.get("unit", ""))
    ends = [Decimal(str(q["value"]))]
    if q.get("value_max") is not None:
        ends.append(Decimal(str(q["value_max"])))
    if unit in _SYMBOLS:
        top = max(abs(e) for e in ends)
        for size, letter in _SCALES:
            if top >= size:
                return _SYMBOLS[unit] + "-".join(_short_number(e / size) for e in ends) + letter
        return _SYMBOLS[unit] + "-".join(_short_number(e) for e in ends)
    joined = "-".join(_short_number(e) for e in ends)
    if unit in ("%", "x"):
        return joined + unit
    return f"{joined} {unit}".strip()


def _is_word(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", text) is not None


def _move(sentence: str, q: dict[str, Any]) -> str:
    """'+' or '-' when the sentence calls the figure a rise or a fall right next to it, else ''."""
    written = str(q.get("text") or "")
    at = sentence.find(written) if written else -1
    if at < 0 or str(q.get("unit")) != "%" or Decimal(str(q["value"])) < 0:
        return ""
    before = sentence[max(0, at - 24) : at].casefold()
    after = sentence[at + len(written) : at + len(written) + 4]
    if _LEVEL.search(before[-6:]):
        return ""
    if any(_is_word(before, w) for w in _UP) or any(w in before[-6:] or after.startswith(w) for w in _UP_CJK):
        return "+"
    if any(_is_word(before, w) for w in _DOWN) or any(w in before[-6:] or after.startswith(w) for w in _DOWN_CJK):
        return "-"
    return ""


def figures(claim: ClaimFacts) -> list[str]:
    """The first figures of the claim written short, a move signed, a year-on-year change marked y/y."""
    out = []
    for q in claim.quantities[:MAX_FIGURES]:
        sign = _move(claim.text, q)
        text = sign + short_figure(q)
        if sign and _YEAR_ON_YEAR.search(claim.text.casefold()):
            text += " y/y"
        out.append(text)
    return out


def period(claim: ClaimFacts) -> str:
    """Q1-Q4 when the sentence (or a quantity) names a quarter, else ''."""
    named = next((str(q["period"]) for q in claim.quantities if q.get("period")), "")
    if named:
        return named
    for pattern in _PERIOD:
        m = pattern.search(claim.text)
        if m:
            token = m.group(1).casefold().translate(str.maketrans("１２３４", "1234"))
            return f"Q{_QUARTERS.get(token, token)}"
    return ""


def metric(claim: ClaimFacts) -> str:
    """The metric the first figure measures: the engine's `metric` when it names one, else the metric word of
    the sentence nearest before that figure and close to it ('' when none is: a wrong metric misleads)."""
    named = next((str(q["metric"]).replace("_", " ") for q in claim.quantities if q.get("metric")), "")
    if named:
        return named
    text = claim.text.casefold()
    first = str(claim.quantities[0].get("text") or "") if claim.quantities else ""
    anchor = text.find(first.casefold()) if first else -1
    best: tuple[int, int, str] | None = None
    for rank, (label, cues) in enumerate(_METRICS):
        for cue in cues:
            for m in re.finditer(re.escape(cue), text):
                if cue.isascii() and not _is_word(text[max(0, m.start() - 1) : m.end() + 1], cue):
                    continue
                distance = anchor - m.end()
                if 0 <= distance <= METRIC_REACH and (best is None or (distance, rank) < best[:2]):
                    best = (distance, rank, label)
    return best[2] if best else ""


def _shortened(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= FALLBACK_CHARS else flat[: FALLBACK_CHARS - 1].rstrip() + "…"


def headline(claim: ClaimFacts, *, more: int = 0, follow_up: bool = False) -> str:
    """The title of an alert about `claim` (the best of the article's matching claims; `more` others follow)."""
    entity = claim.entities[0] if claim.entities else "AI chips"
    shown = figures(claim)
    if shown:
        words = [w for w in (entity, period(claim), metric(claim)) if w]
        fact = " ".join(words) + " " + ", ".join(shown)
    else:
        fact = f"{entity}: {_shortened(claim.text)}"
    parts = [("Update: " if follow_up else "") + fact, claim.stance, claim.source]
    if more:
        parts.append(f"+{more} more claim{'s' if more > 1 else ''}")
    return SEP.join(p for p in parts if p)
