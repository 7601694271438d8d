"""Reporting periods in claim text, normalised: fiscal quarter `FY2026Q2`, calendar quarter `2025Q4`, calendar
year `2025`, fiscal year `FY2026`.

Written periods are read into a `RawPeriod` (what the text says), then resolved against the company's fiscal
calendar (vocab/facts.yaml `fiscal_year_end`) and, when the text names no year, the document's date:
"5-7月期", "第二财季", "Q2 FY26" and "second quarter of fiscal 2026" are all `FY2026Q2` for NVIDIA, whose fiscal
year ends in January. A company whose fiscal year is the calendar year gets the calendar forms (`2025Q3`, `2025`).
Fiscal years are named after the calendar year in which they end. What cannot be resolved stays None.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .facts_vocab import FactsVocabulary

# kinds of RawPeriod
FISCAL_QUARTER = "fq"  # said to be fiscal: 财季, "fiscal second quarter", "Q2 FY26"
CALENDAR_QUARTER = "cq"  # said with a calendar year: 2025年第二季度
QUARTER = "q"  # a quarter of whichever year the company reports in: Q2, 第2四半期, "second quarter"
MONTHS = "months"  # a run of months: 5-7月期
FISCAL_YEAR = "fy"  # FY2026, 2026财年
FISCAL_YEAR_ENDING = "fy_end"  # 2026年1月期: the fiscal year ending that month (a quarter may follow)
FISCAL_YEAR_STARTING = "fy_start"  # ja 2025年度: the fiscal year starting in 2025
CALENDAR_YEAR = "cy"  # 2025年, "in 2025"


@dataclass(frozen=True, slots=True)
class RawPeriod:
    """A period as the text gives it; None where the text leaves it out."""

    kind: str
    start: int  # offsets in the searched text
    end: int
    year: int | None = None
    quarter: int | None = None
    month: int | None = None  # last month of a MONTHS run, or the month a FISCAL_YEAR_ENDING ends
    first_month: int | None = None


def _alt(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def compile_period_pattern(vocab: FactsVocabulary) -> re.Pattern[str]:
    """One alternation for every period shape; tried in this order at each position (longest shapes first)."""
    qn = _alt([w for w in vocab.quarter_numbers if not w.isascii() or w.isdigit()])  # 二, 2
    qword = _alt([w for w in vocab.quarter_numbers if w.isascii() and not w.isdigit()])  # second, 2nd
    fy_latin = r"(?:fy|fiscal(?:\s+year)?)"
    fy_cjk = _alt([w for w in vocab.fiscal_year_words if not w.isascii()])
    fq_cjk = _alt(list(vocab.fiscal_quarter_words))
    cq_cjk = _alt(list(vocab.calendar_quarter_words))
    jq = _alt(list(vocab.ja_quarter_words))
    year = r"(?:20)?\d\d"
    not_more = r"(?!\d|%|\.\d)"
    shapes = [
        # FY2026 Q2, FY26Q2, fiscal 2026 second quarter, FY2026第二季度
        rf"{fy_latin}\s*'?(?P<a_y>{year})\s*[-/]?\s*(?:q(?P<a_q>[1-4])|(?P<a_q2>[1-4])q|(?P<a_qw>{qword})[\s-]quarter"
        rf"|第?\s*(?P<a_qz>{qn})\s*(?:{fq_cjk}|{cq_cjk}))",
        # Q2 FY26, 2Q FY2026, second quarter of fiscal 2026, second fiscal quarter of fiscal year 2026
        rf"(?:q(?P<b_q>[1-4])|(?P<b_q2>[1-4])q|(?P<b_qw>{qword})(?:[\s-]fiscal)?[\s-]quarter)\s*,?\s*(?:of\s+)?"
        rf"(?:the\s+)?{fy_latin}\s*'?(?P<b_y>{year}){not_more}",
        # 2026财年第二季度, 2026财年Q2
        rf"(?P<c_y>{year})\s*(?:{fy_cjk})\s*的?\s*(?:第?\s*(?P<c_q>{qn})\s*(?:{fq_cjk}|{cq_cjk})|q(?P<c_q2>[1-4]))",
        # 2025年5-7月期, 5～7月期
        rf"(?:(?P<d_y>{year})\s*年\s*)?(?P<d_m1>1[0-2]|0?[1-9])\s*月?\s*(?:[-~～〜–—]|から)\s*"
        rf"(?P<d_m2>1[0-2]|0?[1-9])\s*月期",
        # 2026年1月期, 2026年1月期第2四半期
        rf"(?P<e_y>{year})\s*年\s*(?P<e_m>1[0-2]|0?[1-9])\s*月期(?:\s*の?\s*(?:第\s*(?P<e_q>[1-4])\s*(?:{jq})|(?P<e_q2>[1-4])q))?",
        # ja 2025年度 (第2四半期)
        rf"(?P<g_y>{year})\s*年度\s*の?\s*(?:第\s*(?P<g_q>[1-4])\s*(?:{jq})|(?P<g_q2>[1-4])q)?",
        # 2025年第二季度, 2025年Q4, 2025年第4四半期
        rf"(?P<f_y>{year})\s*年\s*(?:第\s*(?P<f_q>{qn})\s*(?:{cq_cjk}|{jq})|q(?P<f_q2>[1-4])|(?P<f_q3>[1-4])q)",
        # Q2 2025, Q2'25, 2Q25, 4Q 2025
        rf"(?<![A-Za-z0-9])(?:q(?P<h_q>[1-4])|(?P<h_q2>[1-4])q)\s*(?:'|’)?\s*(?P<h_y>20\d\d|\d\d){not_more}",
        # (fiscal) second (fiscal) quarter (of 2025)
        rf"(?P<i_fis>fiscal[\s-])?(?P<i_qw>{qword})[\s-](?P<i_fis2>fiscal[\s-])?quarter"
        rf"(?:\s+(?:of|in)\s+(?P<i_y>20\d\d){not_more})?",
        # 第二财季, 第三季度, 第2四半期, 二季度
        rf"(?<![\d.])(?:第\s*)?(?P<j_q>{qn})\s*(?P<j_w>{fq_cjk}|{cq_cjk}|{jq})",
        # Q2, 2Q
        r"(?<![A-Za-z0-9])(?:q(?P<k_q>[1-4])|(?P<k_q2>[1-4])q)(?![A-Za-z0-9])",
        # FY2026, fiscal 2026, 2026财年
        rf"{fy_latin}\s*'?(?P<l_y>20\d\d|\d\d){not_more}|(?P<l_y2>{year})\s*(?:{fy_cjk})",
        # 2025年 (not a date: no month after it), in 2025
        r"(?P<m_y>20\d\d)\s*年(?!\s*\d{1,2}\s*月)(?!度)|(?:\bin|\bfor|\bduring|\bfull[- ]year|\bcalendar(?:\s+year)?"
        r"|\bthrough)\s+(?P<m_y2>20\d\d)(?![\d/-])",
    ]
    # Matched against the text with ASCII letters lower-cased (offsets unchanged): a case-blind pattern is twice
    # as slow. So every Latin letter above is written in lower case.
    # Every shape starts with a digit, a Chinese numeral, 第, or one of these letters: a position holding none of
    # them is turned down by one character test instead of thirteen alternatives (8x faster on CJK text).
    first = "".join(sorted({w[0] for w in vocab.quarter_numbers} | set("0123456789第fqstidc")))
    return re.compile(f"(?=[{re.escape(first)}])(?:" + "|".join(f"(?:{s})" for s in shapes) + ")")


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


# Every period shape holds one of these; most claim sentences hold none and skip the full pattern (a long
# alternation tried at every character).
_HINT = re.compile(r"季|四半期|月期|\d\s?年|财年|財年|20\d\d|quarter|fiscal|fy|q[1-4]|[1-4]q")
_ASCII_LOWER = str.maketrans({c: c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
# A period's text reaches at most this far before and after its hint ("second fiscal quarter of fiscal year 2026").
_BEFORE_HINT = 16
_AFTER_HINT = 40


def read_periods(text: str, pattern: re.Pattern[str], numbers: dict[str, int]) -> list[RawPeriod]:
    """Every period written in `text`, in order."""
    return list(iter_periods(text, pattern, numbers))


def iter_periods(text: str, pattern: re.Pattern[str], numbers: dict[str, int]) -> Iterator[RawPeriod]:
    """The periods written in `text`, in order, read as they are asked for (a caller wanting the first stops)."""
    lowered = text.lower()  # (str.lower is a fast C loop; translate() looks every character up in a dict)
    text = lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)
    # The full pattern runs only around the hints, in merged windows (lookbehinds still see the whole text).
    windows: list[list[int]] = []
    for hint in _HINT.finditer(text):
        lo, hi = max(0, hint.start() - _BEFORE_HINT), hint.end() + _AFTER_HINT
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    matches = (m for lo, hi in windows for m in pattern.finditer(text, lo, min(hi, len(text))))
    for m in matches:
        g = m.groupdict()
        s, e = m.start(), m.end()

        def q(*names: str, g: dict[str, str | None] = g) -> int | None:
            for name in names:
                value = g[name]
                if value:
                    return numbers.get(value.lower())
            return None

        if g["a_y"]:
            yield (RawPeriod(FISCAL_QUARTER, s, e, _year(g["a_y"]), q("a_q", "a_q2", "a_qw", "a_qz")))
        elif g["b_y"]:
            yield (RawPeriod(FISCAL_QUARTER, s, e, _year(g["b_y"]), q("b_q", "b_q2", "b_qw")))
        elif g["c_y"]:
            yield (RawPeriod(FISCAL_QUARTER, s, e, _year(g["c_y"]), q("c_q", "c_q2")))
        elif g["d_m2"]:
            yield (RawPeriod(MONTHS, s, e, _year(g["d_y"]), month=int(g["d_m2"]), first_month=int(g["d_m1"])))
        elif g["e_y"]:
            yield (RawPeriod(FISCAL_YEAR_ENDING, s, e, _year(g["e_y"]), q("e_q", "e_q2"), month=int(g["e_m"])))
        elif g["g_y"]:
            yield (RawPeriod(FISCAL_YEAR_STARTING, s, e, _year(g["g_y"]), q("g_q", "g_q2")))
        elif g["f_y"]:
            yield (RawPeriod(CALENDAR_QUARTER, s, e, _year(g["f_y"]), q("f_q", "f_q2", "f_q3")))
        elif g["h_y"]:
            yield (RawPeriod(QUARTER, s, e, _year(g["h_y"]), q("h_q", "h_q2")))
        elif g["i_qw"]:
            fiscal = bool(g["i_fis"] or g["i_fis2"])
            yield (RawPeriod(FISCAL_QUARTER if fiscal else QUARTER, s, e, _year(g["i_y"]), q("i_qw")))
        elif g["j_q"]:
            word = g["j_w"]
            fiscal = "财" in word or "財" in word
            yield (RawPeriod(FISCAL_QUARTER if fiscal else QUARTER, s, e, None, q("j_q")))
        elif g["k_q"] or g["k_q2"]:
            yield (RawPeriod(QUARTER, s, e, None, q("k_q", "k_q2")))
        elif g["l_y"] or g["l_y2"]:
            yield (RawPeriod(FISCAL_YEAR, s, e, _year(g["l_y"] or g["l_y2"])))
        elif g["m_y"] or g["m_y2"]:
            yield (RawPeriod(CALENDAR_YEAR, s, e, _year(g["m_y"] or g["m_y2"])))


def _months(year: int, month: int) -> int:
    return year * 12 + month - 1


def _fiscal_quarter_end(fiscal_year: int, quarter: int, year_end: int) -> int:
    """Absolute month index in which fiscal quarter `quarter` of fiscal year `fiscal_year` ends."""
    return _months(fiscal_year, year_end) - 3 * (4 - quarter)


def _nearest_year(end_of: object, on: _dt.date) -> int:
    """The year Y (around `on`) whose period, ending at month end_of(Y), ends closest to `on` (the past on a tie).

    Results are reported a few weeks after a quarter ends and guidance is for the quarter under way, so the
    period meant without a year is the one ending nearest to the document's date."""
    today = _months(on.year, on.month)
    best, best_distance = on.year, None
    for year in (on.year - 1, on.year, on.year + 1, on.year + 2):
        end = end_of(year)  # type: ignore[operator]
        distance = abs(end - today) * 2 + (1 if end > today else 0)
        if best_distance is None or distance < best_distance:
            best, best_distance = year, distance
    return best


def _quarter_form(fiscal_year: int, quarter: int, year_end: int) -> str:
    if year_end == 12:
        return f"{fiscal_year}Q{quarter}"
    return f"FY{fiscal_year}Q{quarter}"


def _year_form(fiscal_year: int, year_end: int) -> str:
    return str(fiscal_year) if year_end == 12 else f"FY{fiscal_year}"


def resolve(raw: RawPeriod, year_end: int, published: _dt.date | None, context_year: int | None = None) -> str | None:
    """The normal form of `raw` for a company whose fiscal year ends in month `year_end`; None when the text and
    the date do not say which year. `context_year`: the fiscal year the document is about, when it said one."""
    kind, quarter = raw.kind, raw.quarter
    if kind == CALENDAR_YEAR:
        return str(raw.year) if raw.year else None
    if kind == FISCAL_YEAR:
        return _year_form(raw.year, year_end) if raw.year else None
    if kind == FISCAL_YEAR_ENDING and raw.year and raw.month:
        if quarter:
            return _quarter_form(raw.year, quarter, raw.month)
        return _year_form(raw.year, raw.month)
    if kind == FISCAL_YEAR_STARTING and raw.year:
        # ja 年度: a year ending in January or February (NVIDIA, Marvell) is written with the name the company
        # gives it, the year it ends; a March year (Japanese companies) with the year it starts.
        fiscal_year = raw.year if year_end in (12, 1, 2) else raw.year + 1
        return _quarter_form(fiscal_year, quarter, year_end) if quarter else _year_form(fiscal_year, year_end)
    if kind == CALENDAR_QUARTER and raw.year and quarter:
        return f"{raw.year}Q{quarter}"
    if kind == MONTHS and raw.month:
        return _months_form(raw, year_end, published)
    if kind in (FISCAL_QUARTER, QUARTER) and quarter:
        named_year = raw.year
        if named_year is None and published is not None:
            named_year = _nearest_year(lambda y: _fiscal_quarter_end(y, quarter, year_end), published)
        named_year = named_year or context_year
        if named_year is None:
            return None
        return _quarter_form(named_year, quarter, year_end)
    return None


def _months_form(raw: RawPeriod, year_end: int, published: _dt.date | None) -> str | None:
    last = raw.month or 0
    first = raw.first_month or last
    if (year_end - last) % 3 or (last - first) % 12 != 2:
        return None  # not one of the company's quarters
    if raw.year:
        end_year = raw.year if last >= first else raw.year + 1
    elif published is not None:
        end_year = _nearest_year(lambda y: _months(y, last), published)
    else:
        return None
    fiscal_year = end_year if last <= year_end else end_year + 1
    quarter = 4 - ((year_end - last) % 12) // 3
    return _quarter_form(fiscal_year, quarter, year_end)


def next_quarter(period: str) -> str | None:
    """The quarter after `period` (FY2026Q2 -> FY2026Q3, 2025Q4 -> 2026Q1); None for a year."""
    m = re.fullmatch(r"(FY)?(\d{4})Q([1-4])", period)
    if m is None:
        return None
    prefix, year, quarter = m.group(1) or "", int(m.group(2)), int(m.group(3))
    if quarter == 4:
        return f"{prefix}{year + 1}Q1"
    return f"{prefix}{year}Q{quarter + 1}"


def period_end(period: str, year_end: int) -> int | None:
    """Absolute month index (year * 12 + month - 1) in which a normal-form period ends."""
    m = re.fullmatch(r"(FY)?(\d{4})(?:Q([1-4]))?", period)
    if m is None:
        return None
    fiscal, year, quarter = bool(m.group(1)), int(m.group(2)), m.group(3)
    end_month = year_end if fiscal else 12
    if quarter:
        return _fiscal_quarter_end(year, int(quarter), end_month)
    return _months(year, end_month)


def fiscal_year_of(period: str) -> int | None:
    """2026 for FY2026Q2 or FY2026; None for calendar forms (their year needs no context)."""
    m = re.match(r"FY(\d{4})", period)
    return int(m.group(1)) if m else None


def as_date(value: object) -> _dt.date | None:
    """A document date from a date, a datetime or an ISO string; None when there is none or it is not one."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
