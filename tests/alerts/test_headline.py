"""Alert titles state the fact: entity, period, metric, the figures written short and signed, stance, source."""

from __future__ import annotations

from typing import Any

import pytest

from chipwatch.alerts.headline import headline, short_figure
from chipwatch.alerts.rules import ClaimFacts


def _claim(text: str, quantities: list[dict[str, Any]], stance: str = "bullish", **kw: Any) -> ClaimFacts:
    base: dict[str, Any] = {
        "id": 1,
        "fingerprint": "f",
        "text": text,
        "language": "en",
        "entities": ["NVIDIA"],
        "topics": [],
        "stance": stance,
        "quantities": quantities,
        "score": 0.9,
        "why": [],
        "source": "Reuters",
        "article_url": "http://127.0.0.1:9/a",
        "article_title": None,
    }
    return ClaimFacts(**{**base, **kw})


def test_the_issue_example() -> None:
    claim = _claim(
        "NVIDIA reported third-quarter revenue of $35.1 billion, up 94% from a year ago, beating estimates.",
        [{"value": 35100000000, "unit": "USD", "text": "$35.1 billion"}, {"value": 94, "unit": "%", "text": "94%"}],
    )
    assert headline(claim) == "NVIDIA Q3 revenue US$35.1B, +94% y/y · bullish · Reuters"


@pytest.mark.parametrize(
    ("text", "quantities", "expected"),
    [
        (
            "英伟达股价暴跌近17%，市值单日蒸发6000亿美元",
            [{"value": 17, "unit": "%", "text": "17%"}, {"value": 6e11, "unit": "USD", "text": "6000亿美元"}],
            "NVIDIA shares -17%, US$600B · bearish · Reuters",
        ),
        (  # a level, not a move: no sign
            "NVIDIA said gross margin slipped to 73% in the quarter.",
            [{"value": 73, "unit": "%", "text": "73%"}],
            "NVIDIA gross margin 73% · bearish · Reuters",
        ),
        (
            "エヌビディアの第3四半期の売上高は前年比94%増",
            [{"value": 94, "unit": "%", "text": "94%"}],
            "NVIDIA Q3 revenue +94% y/y · bearish · Reuters",
        ),
        (  # the engine's own metric and period win over the words
            "Sales hit a record.",
            [{"value": 5e9, "unit": "TWD", "text": "NT$5 billion", "metric": "gross_margin", "period": "FY2026Q2"}],
            "NVIDIA FY2026Q2 gross margin NT$5B · bearish · Reuters",
        ),
    ],
)
def test_titles_in_each_language(text: str, quantities: list[dict[str, Any]], expected: str) -> None:
    assert headline(_claim(text, quantities, stance="bearish")) == expected


def test_a_claim_without_figures_says_its_sentence_and_a_follow_up_says_so() -> None:
    claim = _claim("TSMC said its advanced packaging capacity will double next year. " * 3, [], entities=["TSMC"])
    title = headline(claim, more=2, follow_up=True)
    assert title.startswith("Update: TSMC: TSMC said its advanced packaging capacity")
    assert "…" in title and title.endswith("· bullish · Reuters · +2 more claims")


def test_short_figures() -> None:
    assert short_figure({"value": 1.05e12, "unit": "TWD"}) == "NT$1.05T"
    assert short_figure({"value": 6e11, "value_max": 7e11, "unit": "CNY"}) == "CN¥600-700B"
    assert short_figure({"value": 0.0222, "unit": "x"}) == "0.022x"
    assert short_figure({"value": 10000, "unit": "GPU"}) == "10,000 GPU"
