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
        # growth and falls as participles and nouns
        ("Marvell shares have grown by 31% this year", "bullish"),
        ("Custom silicon sales showed an increase of 18%", "bullish"),
        ("Wafer shipments posted a decrease of 4.1 percent", "bearish"),
        # Taiwan finance writing: orders packed full, a price climbing, a valuation called attractive
        ("聯發科ASIC訂單塞爆", "bullish"),
        ("日月光股價走揚", "bullish"),
        ("分析師認為目前評價具有吸引力", "bullish"),
        # rebutting the cue that follows
        ("黃仁勳駁斥了AI泡沫的說法", "bullish"),
        ("苏姿丰否认了砍单传闻", "bullish"),
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


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("guided revenue between $2.1 billion and $2.3 billion", "en", [(2.1e9, 2.3e9, "USD")]),
        ("in the range of $0.30 to $0.36 per share", "en", [(0.3, 0.36, "USD")]),
        ("券商目标价区间在88元至120.5元之间", "zh", [(88.0, 120.5, "CNY")]),
        ("預估EPS 1.20美元–1.35美元", "zh", [(1.2, 1.35, "USD")]),
        # a change between two values stays two values; two figures of different units stay apart
        ("margin went from 41% to 47%", "en", [(41.0, None, "%"), (47.0, None, "%")]),
        ("sales grew 12% to $900 million", "en", [(12.0, None, "%"), (9e8, None, "USD")]),
    ],
)
def test_a_range_with_its_unit_written_twice_is_one_range(text: str, language: str, expected: list) -> None:
    norm = normalize(text)
    found = extract_quantities(norm, text, 0, len(norm), language=language)
    assert [(q.value, q.value_max, q.unit) for q in found] == expected


def test_a_bullet_list_flattened_onto_one_line_gives_one_claim_per_item() -> None:
    text = (
        "壁仞科技要点\n"
        "壁仞科技概览 - 2024年营收同比增长超80%,达到3.4亿元 - 毛利率提升至52%,好于预期 - 公司与多家云厂商签约,"
        "订单金额约12亿元 - 研发人员超过800人\n"
    )
    claims = [c.text for c in analyze(text).claims]
    assert any(t.startswith("- 2024年营收同比增长超80%") and "毛利率" not in t for t in claims), claims
    assert any(t.startswith("- 毛利率提升至52%") and "订单" not in t for t in claims), claims


def test_a_range_between_numbers_is_not_a_bullet() -> None:
    text = "AMD outlook\nAMD expects MI450 shipments of 5 - 10% of the market - a share of 20 - 25% by 2027.\n"
    assert len(analyze(text).claims) == 1


def test_a_named_company_event_with_a_twice_stated_direction_is_notable() -> None:
    text = "Marvell news\nMarvell shares jumped after an analyst upgraded the chip designer to buy.\n"
    (claim,) = analyze(text).claims
    assert claim.entities == ["Marvell"] and claim.notable
    # one direction word and no figure: a claim, not an alert
    text = "Marvell news\nMarvell shares moved after an analyst upgraded the chip designer.\n"
    assert not any(c.notable for c in analyze(text).claims)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今年计划交付5万颗国产芯片", [(50000.0, "chips")]),  # a description between counter and noun
        ("明年目標生產20萬個新晶片", [(200000.0, "chips")]),
        ("去年卖出3万张显卡", [(30000.0, "GPU")]),  # the noun right after the counter, as before
        ("公司有5万个员工和一些芯片", []),  # a noun that is not counted: no quantity
    ],
)
def test_a_counter_may_stand_a_word_or_two_before_its_noun(text: str, expected: list) -> None:
    norm = normalize(text)
    found = extract_quantities(norm, text, 0, len(norm), language="zh")
    assert [(q.value, q.unit) for q in found] == expected


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Marvell news\nMarvell reported results. These chips brought in $500 million last quarter.\n", "Marvell"),
        ("寒武纪快讯\n寒武纪发布新品。该芯片今年出货额预计达到20亿元。\n", "Cambricon"),
        ("ルネサスの新製品\nルネサスが新製品を発表した。同チップの売上高は300億円を見込む。\n", "Renesas"),
    ],
)
def test_a_demonstrative_with_the_product_takes_the_company_in_context(text: str, entity: str) -> None:
    claims = analyze(text).claims
    assert len(claims) == 2 and claims[1].entities == [entity], [(c.text, c.entities) for c in claims]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("delivers a 2.4× speedup over the prior part", [(2.4, None, "x")]),
        ("lands between 1.2× and 1.8× in practice", [(1.2, 1.8, "x")]),
        ("a 4×B200 server rents for $18/hr", [(18.0, None, "USD")]),  # 4×B200: four chips, not a multiple
    ],
)
def test_a_multiplication_sign_is_a_multiple_unless_glued_to_a_product(text: str, expected: list) -> None:
    norm = normalize(text)
    found = extract_quantities(norm, text, 0, len(norm), language="en")
    assert [(q.value, q.value_max, q.unit) for q in found] == expected
