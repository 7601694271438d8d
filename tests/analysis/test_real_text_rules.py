"""Rules added for the error classes seen on real pages (issue 14), each on a made-up sentence of that shape:
none of these texts is in an evaluation file."""

import pytest

from chipwatch.analysis.engine import analyze
from chipwatch.analysis.normalize import normalize
from chipwatch.analysis.quantities import extract_quantities


def _claims(text: str) -> dict[str, object]:
    return {c.text: c for c in analyze(text).claims}


def _quantities(text: str, language: str) -> list[tuple[float, float | None, str]]:
    norm = normalize(text)
    return [(q.value, q.value_max, q.unit) for q in extract_quantities(norm, text, 0, len(norm), language=language)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Marvell booked a US$2.3 billion order.", "en", [(2.3e9, None, "USD")]),
        ("UMC expects NT$60.2 billion in sales.", "en", [(6.02e10, None, "TWD")]),
        ("The listing raised HK$8.1 billion.", "en", [(8.1e9, None, "HKD")]),
        ("Sales reached 12.5 billion US dollars.", "en", [(1.25e10, None, "USD")]),
        ("聯電第二季營收新台幣581億元", "zh", [(5.81e10, None, "TWD")]),
        ("海光营收 27 亿元", "zh", [(2.7e9, None, "CNY")]),
        ("売上高は1,234億5,600万円", "ja", [(123456000000.0, None, "JPY")]),
        ("営業利益は2兆4千億ウォン", "ja", [(2.4e12, None, "KRW")]),
        ("終値は2万150円", "ja", [(20150.0, None, "JPY")]),
        ("margin widened 1.7 ppt", "en", [(1.7, None, "pp")]),
        ("利益率は前期比2.1pt低下", "ja", [(2.1, None, "pp")]),
        ("share rose from 12% to 18%", "en", [(12.0, None, "%"), (18.0, None, "%")]),
        ("出货量从 2 万片到 5 万片", "zh", []),  # a change between bare counts: no unit, no quantity
        ("about 80,000 Gaudi3 accelerators", "en", [(80000.0, None, "chips")]),
        ("约40万颗910B昇腾芯片", "zh", [(400000.0, None, "chips")]),
        ("orders for 910C chips", "en", []),  # a product code, not 910 billion chips
        ("a 70B parameters model", "en", [(7e10, None, "parameters")]),
        ("今年出货量预计在18到20万颗之间", "zh", [(180000.0, 200000.0, None)]),  # no noun named: left out below
        ("寒武纪今年出货量预计在18到20万颗芯片", "zh", [(180000.0, 200000.0, "chips")]),
        ("明年生產約80萬顆裸晶", "zh", [(800000.0, None, "chips")]),
    ],
)
def test_quantity_shapes_of_real_pages(text: str, language: str, expected: list[tuple]) -> None:
    assert _quantities(text, language) == [q for q in expected if q[2] is not None]


def test_a_headline_stating_a_fact_is_a_claim_and_its_copy_in_the_body_is_not() -> None:
    text = "美光股价大涨9% HBM订单排到明年\n美光股价大涨9% HBM订单排到明年\n美光表示,HBM产能已经售罄。"
    claims = analyze(text).claims
    assert [c.text for c in claims] == ["美光股价大涨9% HBM订单排到明年", "美光表示,HBM产能已经售罄。"]
    assert claims[0].stance == "bullish" and claims[0].entities == ["Micron"]


def test_a_metric_after_a_period_or_a_segment_is_the_company_in_context() -> None:
    claims = _claims(
        "ルネサスの決算\nルネサスが決算を発表した。\n10-12月期の売上高は前年同期比12%減の3,100億円だった。\n"
    )
    sales = next(c for t, c in claims.items() if t.startswith("10-12月期"))
    assert sales.entities == ["Renesas"] and sales.stance == "bearish"
    claims = _claims("博通财报\n博通公布了财报。\n半导体业务的营收同比增长31%,达到120亿美元。\n")
    assert next(c for t, c in claims.items() if t.startswith("半导体业务")).entities == ["Broadcom"]


def test_a_metric_opening_a_clause_is_the_company_in_context() -> None:
    claims = _claims("輝達新聞\n輝達發表新晶片。\n市場反應熱烈,股價盤中大漲6%。\n")
    moved = next(c for t, c in claims.items() if t.startswith("市場反應"))
    assert moved.entities == ["NVIDIA"] and moved.stance == "bullish"


def test_company_alone_is_the_subject_and_heading_a_compound_is_not() -> None:
    claims = _claims("寒武纪点评\n寒武纪发布三季报。\n三季度,公司营收同比增长120%。\n物流公司的运费上涨了5%。\n")
    assert next(c for t, c in claims.items() if "公司营收" in t).entities == ["Cambricon"]
    assert not any("物流公司" in t for t in claims)


def test_the_subject_zh_and_ja_leave_out_is_the_entity_just_named() -> None:
    claims = _claims("キオクシアの決算\nキオクシアが決算を発表した。\n前年同期比35%増の4,200億円の増収となった。\n")
    reached = next(c for t, c in claims.items() if t.startswith("前年同期比"))
    assert reached.entities == ["Kioxia"]
    assert {(q.value, q.unit) for q in reached.quantities} == {(35, "%"), (420000000000, "JPY")}
    # too far from the entity: six lines of other talk in between
    far = (
        "キオクシアの決算\nキオクシアが決算を発表した。\n"
        + "天気は晴れだった。\n" * 6
        + "前年同期比35%増の4,200億円の増収となった。\n"
    )
    assert not any(t.startswith("前年同期比") for t in _claims(far))


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("台積電11月營收年增28%,創同期新高。", "bullish"),
        ("台積電第三季獲利年減15%。", "bearish"),
        ("英偉達股價收漲3.2%。", "bullish"),
        ("東京エレクトロンは前日比450円高の2万3100円で引けた。", "bullish"),
        ("AMD shares skyrocketed after the results topped estimates.", "bullish"),
        ("Intel took a $2.1 billion charge and fell short of its target.", "bearish"),
    ],
)
def test_direction_words_of_real_pages(sentence: str, stance: str) -> None:
    (claim,) = analyze(sentence).claims
    assert claim.stance == stance


def test_a_console_review_naming_its_nvidia_chip_has_no_claims() -> None:
    review = (
        "掌機新作上手\n這台掌機搭載NVIDIA客製晶片,GPU性能提升約3倍。螢幕升級到8吋,電池續航約6小時,"
        "手把握感也更好,畫質明顯提升。遊戲體驗整體流暢,售價則比上一代高出約20%。\n"
    )
    assert analyze(review).claims == []
    # the same chip talk in a business piece is a claim
    news = "輝達財報\n輝達遊戲業務營收年增15%,GPU出貨量創新高。\n"
    assert analyze(news).claims


def test_taiwan_metric_words_take_the_company_in_context() -> None:
    claims = _claims("美光財報\n美光公布財報。\n純益達21億美元,較去年同期大幅成長。\n")
    profit = next(c for t, c in claims.items() if t.startswith("純益"))
    assert profit.entities == ["Micron"] and profit.stance == "bullish"
