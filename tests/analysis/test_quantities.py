"""Quantity normalisation, table-driven: text as written -> (value, unit, value_max) per INTERFACES.md."""

import pytest

from chipwatch.analysis.normalize import normalize
from chipwatch.analysis.quantities import extract_quantities, parse_cjk_number


def quantities(text: str, language: str = "zh") -> list[tuple]:
    norm = normalize(text)
    return [(q.value, q.unit, q.value_max) for q in extract_quantities(norm, text, 0, len(norm), language=language)]


CASES = [
    # Chinese scale words
    ("市值单日蒸发近6000亿美元", [(600000000000, "USD", None)]),
    ("英伟达市值蒸发6千亿美元", [(600000000000, "USD", None)]),
    ("相关市值蒸发1万亿美元", [(1000000000000, "USD", None)]),
    ("训练成本仅为557.6万美元", [(5576000, "USD", None)]),
    ("一年2亿,折合美金3000万", [(30000000, "USD", None)]),
    ("年薪平均100万人民币", [(1000000, "CNY", None)]),
    ("台积电营收3206亿元新台币", [(320600000000, "TWD", None)]),
    # percentages, garbled and full-width
    ("股价暴跌近17%", [(17, "%", None)]),
    ("暴跌8。5%", [(8.5, "%", None)]),
    ("同比增长３９．６％", [(39.6, "%", None)]),
    ("百分之九十的份额", [(90, "%", None)]),
    ("产能扩大百分之六十", [(60, "%", None)]),
    ("良率到了8成", [(80, "%", None)]),
    ("約3割を占める", [(30, "%", None)]),
    ("利益率を2～3ポイント押し下げる", [(2, "pp", 3)]),
    ("单天下降为5-10%", [(5, "%", 10)]),
    ("下降5%-10%", [(5, "%", 10)]),
    ("独占GPU90%份额", [(90, "%", None)]),
    # ratios and multiples
    ("以大约1/45的计算成本", [(0.0222, "x", None)]),
    ("训练成本的十分之一", [(0.1, "x", None)]),
    ("コストは45分の1になった", [(0.0222, "x", None)]),
    ("涨幅达到25倍以上", [(25, "x", None)]),
    ("性能是H200的1。3倍", [(1.3, "x", None)]),
    ("两到三倍的杠杆", [(2, "x", 3)]),
    ("burn 10x more tokens", [(10, "x", None)]),
    ("比去年底翻了一倍多", [(2, "x", None)]),
    ("about two thirds of AI compute", [(0.6667, "x", None)]),
    # English money
    ("a $600bn wipe-out", [(600000000000, "USD", None)]),
    ("revenue of $57.0 billion", [(57000000000, "USD", None)]),
    ("a market of $60-90 billion", [(60000000000, "USD", 90000000000)]),
    ("guided Q3 to $54B", [(54000000000, "USD", None)]),
    ("costing 6,000 dollars", [(6000, "USD", None)]),
    ("20 billion yen", [(20000000000, "JPY", None)]),
    # Japanese money
    ("1兆ドル", [(1000000000000, "USD", None)]),
    ("設備投資額を400億～420億ドルに", [(40000000000, "USD", 42000000000)]),
    ("純利益は4523億台湾ドル", [(452300000000, "TWD", None)]),
    ("材料費は約500円", [(500, "JPY", None)]),
    # Arabic digits between two scale characters; the Korean won
    ("営業利益は2兆7000億ウォン", [(2700000000000, "KRW", None)]),
    ("三星营收约79万亿韩元", [(79000000000000, "KRW", None)]),
    ("净利润3亿5000万美元", [(350000000, "USD", None)]),
    ("capex of ₩5 trillion", [(5000000000000, "KRW", None)]),
    # signed numbers, half prices, "turned over once" and "rose more than one times"
    ("a gross margin of -12.5% this quarter", [(-12.5, "%", None)]),
    ("料金を半額にする", [(0.5, "x", None)]),
    ("出货量翻了一番", [(2, "x", None)]),
    ("股价上涨超过一倍", [(2, "x", None)]),
    # counted nouns
    ("只用了278.8万个H800 GPU小时", [(2788000, "GPU hours", None)]),
    ("采购了约100万颗H20", [(1000000, "GPU", None)]),
    ("GPU总数约为5万张", [(50000, "GPU", None)]),
    ("エヌビディアのGPUを約1万基導入", [(10000, "GPU", None)]),
    ("deploy 50,000 MI450 chips", [(50000, "chips", None)]),
    ("up to one million TPUs", [(1000000, "chips", None)]),
    ("10,000 GPUs", [(10000, "GPU", None)]),
    ("1000亿参数的模型", [(100000000000, "parameters", None)]),
    ("6 gigawatts of capacity", [(6, "GW", None)]),
    # not quantities: dates, bare counts, product codes, idioms, vague amounts
    ("2025年1月27日发布", []),
    ("发表于 2024-05-11 04:11:17", []),
    ("B200 and H100 and GPT-4", []),
    ("一成不变", []),
    ("67位分析师中有61位", []),
    ("在数十亿美元的资本支持下", []),
    ("in the second half of 2026", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_quantities(text, expected):
    got = quantities(text)
    assert len(got) == len(expected), got
    for (value, unit, value_max), (want, want_unit, want_max) in zip(got, expected, strict=True):
        assert unit == want_unit
        assert value == pytest.approx(want, rel=1e-9, abs=1e-4)
        assert (value_max is None) == (want_max is None)
        if want_max is not None:
            assert value_max == pytest.approx(want_max)


def test_quantity_text_is_the_source_as_written():
    text = "暴跌8。5%，市值蒸发６０００亿美元"
    norm = normalize(text)
    got = extract_quantities(norm, text, 0, len(norm), language="zh")
    assert [q.text for q in got] == ["8。5%", "６０００亿美元"]


def test_yen_sign_follows_the_language():
    assert quantities("¥3兆", "ja") == [(3000000000000, "JPY", None)]
    assert quantities("¥300亿", "zh") == [(30000000000, "CNY", None)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("六千亿", 600000000000),
        ("二十五", 25),
        ("十", 10),
        ("一万二千", 12000),
        ("三万亿", 3000000000000),
        ("两", 2),
    ],
)
def test_chinese_numerals(text, value):
    assert parse_cjk_number(text) == value


def test_not_a_number():
    assert parse_cjk_number("十几") is None
