"""same_value and fact_key (analysis/facts.py): the pure comparisons storage runs once per stored claim."""

import pytest

from chipwatch.analysis.facts import FactKey, fact_key, same_value, written_step
from chipwatch.analysis.model import Quantity


def q(value, unit, text, value_max=None, **facts):
    return Quantity(value=value, unit=unit, text=text, value_max=value_max, **facts)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (q(46.7e9, "USD", "$46.7 billion"), q(46.74e9, "USD", "$46.74 billion")),  # rounded to one decimal
        (q(46.7e9, "USD", "$46.7B"), q(46.7e9, "USD", "467亿美元")),  # one amount in two scripts
        (q(4.6743e10, "USD", "467億4300万ドル"), q(46.7e9, "USD", "$46.7 billion")),
        (q(47e9, "USD", "$47 billion"), q(46.74e9, "USD", "467.4亿美元")),  # whole billions
        (q(72, "%", "72%"), q(72.4, "%", "72.4%")),
        (q(17, "%", "17%"), q(16.86, "%", "16.86%")),
        (q(6e11, "USD", "6000亿美元"), q(5.89e11, "USD", "$589 billion")),  # "6000亿" is a rounded 5890亿
        (q(4.523e11, "CNY", "4523億元"), q(4.523e11, "TWD", "NT$452.3 billion")),  # a bare 元 in Taiwan text
        (q(5.4e10, "USD", "$54 billion"), q(5.29e10, "USD", "$52.9-55.1 billion", value_max=5.51e10)),
    ],
)
def test_the_same_value_written_twice(a, b):
    assert same_value(a, b) and same_value(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (q(46.7e9, "USD", "$46.7 billion"), q(46.9e9, "USD", "$46.9 billion")),
        (q(5.89e11, "USD", "$589 billion"), q(5.927e11, "USD", "5927億ドル")),  # two tallies of one loss
        (q(72.4, "%", "72.4%"), q(72.7, "%", "72.7%")),  # GAAP against non-GAAP
        (q(6e11, "USD", "$600bn"), q(6.2e11, "USD", "$620bn")),  # trailing zeros are no licence for 4% off
        (q(3, "%", "3%"), q(3, "pp", "3 points")),  # other units
        (q(4.523e11, "CNY", "4523亿元人民币"), q(4.523e11, "TWD", "NT$452.3 billion")),  # renminbi is not NT$
        (q(5.5e9, "USD", "$5.5 billion"), q(4.5e9, "USD", "$4.5 billion")),
    ],
)
def test_different_values(a, b):
    assert not same_value(a, b) and not same_value(b, a)


def test_same_value_reads_mappings_too():
    stored = {"value": 46740000000, "unit": "USD", "text": "$46.74 billion", "value_max": None}
    assert same_value(stored, q(46.7e9, "USD", "$46.7 billion"))
    assert not same_value({"value": None, "unit": "USD"}, stored)


def test_written_step_is_the_last_written_digit():
    assert written_step("$46.7 billion", 46.7e9) == pytest.approx(1e8)
    assert written_step("470亿美元", 4.7e10) == pytest.approx(1e9)
    assert written_step("72.4%", 72.4) == pytest.approx(0.1)
    assert written_step("百分之九十", 90) == 0.0


def test_fact_key_needs_a_metric_and_an_entity():
    assert fact_key(q(1, "USD", "$1", metric="revenue", period="FY2026Q2", entity="NVIDIA")) == FactKey(
        "NVIDIA", "revenue", "FY2026Q2"
    )
    assert fact_key(q(1, "USD", "$1", metric="revenue", entity="NVIDIA")) == ("NVIDIA", "revenue", None)
    assert fact_key(q(1, "USD", "$1", metric="revenue")) is None
    assert fact_key(q(1, "USD", "$1", entity="NVIDIA")) is None
    assert fact_key({"metric": "capex", "entity": "Microsoft", "period": "2025"}) == ("Microsoft", "capex", "2025")
