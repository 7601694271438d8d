"""Rules of the second issue-14 round, each on made-up sentences of the class it serves (none of these texts is in
an evaluation file)."""

import pytest

from chipwatch.analysis.engine import analyze
from chipwatch.analysis.lexicon import Hit
from chipwatch.analysis.normalize import normalize
from chipwatch.analysis.quantities import extract_quantities
from chipwatch.analysis.stance import stance_of
from chipwatch.analysis.vocabulary import get_vocabulary


def _stance(sentence: str) -> str:
    vocab = get_vocabulary()
    norm = normalize(sentence)
    hits: list[Hit] = vocab.lexicon.scan(norm)
    return stance_of(hits, norm, 0, len(norm), vocab.directional, vocab.directional_hints, sentence).stance


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # better performance / results, records, booms (ja)
        ("新型GPUは推論性能が前世代比で5倍に向上した", "bullish"),
        ("キオクシアは歴代最大の四半期利益を計上した", "bullish"),
        # a ratio or margin falling, a slump (ja)
        ("データセンター部門の利益率は2.4㌽低下した", "bearish"),
        ("スマホ向け需要が低迷している", "bearish"),
        # broker wording: room to rise, far above a yardstick, a hot IPO (zh-CN, and zh-TW made at load time)
        ("目标价意味着仍有约30%上行空间", "bullish"),
        ("该公司预告的营收远超市场一致预期", "bullish"),
        ("寒武紀目標價隱含逾三成上行空間", "bullish"),
        ("壁仞科技上市首日认购火爆", "bullish"),
        ("消息公布后股价急挫8%", "bearish"),
        # en wording: a blowout quarter, a lead over a rival, restrictions lifted, a valuation cut
        ("Marvell posted a blockbuster quarter", "bullish"),
        ("The new TPU has a clear cost advantage over GPUs", "bullish"),
        ("The rule marks an easing of restrictions on exports to the Gulf", "bullish"),
        ("The tariff scare gave the shares a 20% haircut", "bearish"),
    ],
)
def test_stance_wording_of_real_pages(sentence: str, expected: str) -> None:
    assert _stance(sentence) == expected


def test_a_figure_sentence_whose_subject_is_left_implicit_takes_the_company_just_named_in_english() -> None:
    # the metric ("the shares") sits at the end, far from the start: no subject word opens the sentence
    text = (
        "Marvell earnings\n"
        "Marvell reported quarterly results on Tuesday, beating its own forecast.\n"
        "That works out to potential upside of 31% over twelve months for the shares.\n"
        "The weather in Santa Clara was mild, at 21 degrees.\n"
    )
    claims = {c.text: c for c in analyze(text).claims}
    upside = claims["That works out to potential upside of 31% over twelve months for the shares."]
    assert upside.entities == ["Marvell"] and upside.stance == "bullish"
    assert not any("weather" in t for t in claims)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the run from 4/2 - 4/19 added 18%", [(18.0, "%")]),  # month/day dates of a range, not fractions
        ("shares ran 9/3–9/30 by 12%", [(12.0, "%")]),
        ("about 3/4 of the wafers", [(0.75, "x")]),  # a fraction on its own stays one
    ],
)
def test_date_ranges_are_not_fractions(text: str, expected: list[tuple[float, str]]) -> None:
    norm = normalize(text)
    found = extract_quantities(norm, text, 0, len(norm), language="en")
    assert [(q.value, q.unit) for q in found] == expected
