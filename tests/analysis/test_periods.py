"""Period normal forms (analysis/periods.py): what the text says, resolved against the company's fiscal year."""

import datetime as dt

import pytest

from chipwatch.analysis.facts_vocab import get_facts_vocabulary
from chipwatch.analysis.periods import compile_period_pattern, next_quarter, period_end, read_periods, resolve

AUG_2025 = dt.date(2025, 8, 28)


def _resolve(text, year_end, published=AUG_2025):
    vocab = get_facts_vocabulary()
    raws = read_periods(text, compile_period_pattern(vocab), vocab.quarter_numbers)
    return [resolve(raw, year_end, published) for raw in raws]


@pytest.mark.parametrize(
    ("text", "year_end", "expected"),
    [
        ("5-7月期", 1, "FY2026Q2"),
        ("5～7月期", 1, "FY2026Q2"),
        ("2025年5〜7月期", 1, "FY2026Q2"),
        ("第二财季", 1, "FY2026Q2"),
        ("第三財季", 1, "FY2026Q3"),  # the quarter under way when the document was written
        ("Q2 FY26", 1, "FY2026Q2"),
        ("FY26 Q2", 1, "FY2026Q2"),
        ("second quarter of fiscal 2026", 1, "FY2026Q2"),
        ("fiscal 2026 second quarter", 1, "FY2026Q2"),
        ("2026财年第二季度", 1, "FY2026Q2"),
        ("2026年1月期第2四半期", 1, "FY2026Q2"),
        ("FY2026", 1, "FY2026"),
        ("2026财年", 1, "FY2026"),
        ("11-1月期", 1, "FY2026Q4"),  # November to January ends NVIDIA's year
        ("7-9月期", 12, "2025Q3"),
        ("Q4 2025", 12, "2025Q4"),
        ("2025年第四季度", 12, "2025Q4"),
        ("第3四半期", 12, "2025Q3"),
        ("fiscal 2025", 12, "2025"),
        ("2025年度", 3, "FY2026"),  # a Japanese March year is named after the year it starts
        ("in 2025", 1, "2025"),
    ],
)
def test_written_periods_resolve_to_one_normal_form(text, year_end, expected):
    assert _resolve(text, year_end) == [expected]


@pytest.mark.parametrize("text", ["2025年8月28日", "创11季新高", "B200 chips up 25%", "GPT-4"])
def test_dates_and_numbers_are_not_periods(text):
    assert _resolve(text, 12) == []


def test_a_quarter_without_a_year_needs_a_date():
    assert _resolve("第二财季", 1, published=None) == [None]
    assert _resolve("7-9月期", 12, published=None) == [None]


def test_a_run_of_months_that_is_not_one_of_the_companys_quarters_is_not_resolved():
    assert _resolve("6-8月期", 12) == [None]


def test_next_quarter_and_period_end():
    assert next_quarter("FY2026Q2") == "FY2026Q3"
    assert next_quarter("2025Q4") == "2026Q1"
    assert next_quarter("FY2026") is None
    assert period_end("FY2026Q2", 1) == 2025 * 12 + 6  # July 2025
    assert period_end("2025Q3", 1) == 2025 * 12 + 8  # a calendar quarter ends in September whoever reports it
    assert period_end("FY2026", 1) == 2026 * 12 + 0
    assert period_end("soon", 1) is None
