"""Metric, period and owning entity per quantity (issue 17), on made-up sentences of each shape in zh-CN, zh-TW,
ja and en: none of these texts is in an evaluation file."""

import datetime as dt
import json

import pytest

from chipwatch.analysis.engine import analyze


def _facts(text: str, published: str | None = "2025-08-28") -> list[tuple[str, str | None, str | None, str | None]]:
    """(quantity text, metric, period, entity) of every quantity of every claim."""
    return [
        (q.text, q.metric, q.period, q.entity) for c in analyze(text, published=published).claims for q in c.quantities
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # zh-CN: fiscal quarter without a year, resolved by the document's date and NVIDIA's January year end
        ("英伟达第二财季营收467亿美元。", ("467亿美元", "revenue", "FY2026Q2", "NVIDIA")),
        # zh-TW: a calendar-year company's quarter is the calendar quarter (2025Q2: the one ending nearest the date)
        ("台積電第二季營收9338億元新台幣。", ("9338億元新台幣", "revenue", "2025Q2", "TSMC")),
        # ja: a run of months is the company's quarter
        ("エヌビディアの5-7月期の売上高は467億ドルだった。", ("467億ドル", "revenue", "FY2026Q2", "NVIDIA")),
        # en: "Q2 FY26"
        ("Nvidia posted Q2 FY26 revenue of $46.7 billion.", ("$46.7 billion", "revenue", "FY2026Q2", "NVIDIA")),
        # en: "second quarter of fiscal 2026", and the sentence ends right after the year
        (
            "Nvidia reported revenue of $46.74 billion for the second quarter of fiscal 2026.",
            ("$46.74 billion", "revenue", "FY2026Q2", "NVIDIA"),
        ),
        # zh: an explicit fiscal year
        ("英伟达2026财年第二季度营收467.4亿美元。", ("467.4亿美元", "revenue", "FY2026Q2", "NVIDIA")),
        # ja: the fiscal year ending in a month, then its quarter
        ("エヌビディアの2026年1月期第2四半期の売上高は467億ドル。", ("467億ドル", "revenue", "FY2026Q2", "NVIDIA")),
    ],
)
def test_the_same_revenue_figure_gets_one_fact_in_every_language(text, expected):
    assert expected in _facts(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("美光数据中心营收达到89亿美元。", ("89亿美元", "datacenter_revenue", None, "Micron")),
        ("博通AI营收为52亿美元。", ("52亿美元", "ai_revenue", None, "Broadcom")),
        ("AMD net income was $1.2 billion.", ("$1.2 billion", "net_income", None, "AMD")),
        ("Intel's gross margin fell to 38.5%.", ("38.5%", "gross_margin", None, "Intel")),
        ("微软为采购GPU将资本支出提高到800亿美元。", ("800亿美元", "capex", None, "Microsoft")),
        ("英特尔股价盘后大跌6%。", ("6%", "share_price_move", None, "Intel")),
        ("博通市值突破1.5万亿美元。", ("1.5万亿美元", "market_value", None, "Broadcom")),
        ("SK海力士在HBM市场的份额达到62%。", ("62%", "market_share", None, "SK Hynix")),
        ("AMD shipped 500,000 GPUs to Microsoft.", ("500,000 GPUs", "units", None, "AMD")),
        ("Oracle signed orders for 65,000 GPUs from AMD.", ("65,000 GPUs", "orders", None, "Oracle")),
        ("The new AMD chip is priced at $25,000 apiece.", ("$25,000", "chip_price", None, "AMD")),
        ("CoreWeave plans 2 GW of data-center capacity on NVIDIA GPUs.", ("2 GW", "power", None, "CoreWeave")),
        ("Groq says its chip runs inference 10x faster than GPUs.", ("10x", "performance", None, "Groq")),
    ],
)
def test_each_metric_is_named_by_the_words_around_the_number(text, expected):
    assert expected in _facts(text, published=None)


def test_growth_sequential_change_and_consensus_are_told_apart():
    facts = _facts("英伟达第二财季营收467亿美元，同比增长56%，环比增长6%，超出市场预期的462亿美元。")
    assert ("467亿美元", "revenue", "FY2026Q2", "NVIDIA") in facts
    assert ("56%", "revenue_growth", "FY2026Q2", "NVIDIA") in facts
    assert ("6%", None, None, None) in facts  # a sequential change is a different fact
    assert ("462亿美元", "consensus", "FY2026Q2", "NVIDIA") in facts


def test_a_segments_figure_is_not_the_companys():
    facts = _facts("Nvidia's gaming revenue rose to $4.3 billion while China revenue was $2.8 billion.", None)
    assert all(metric is None for _, metric, _, _ in facts)


def test_a_figure_for_a_quarter_not_yet_over_is_guidance():
    # written in August: the quarter ending in October is a forecast, whatever verb the sentence uses
    assert ("540亿美元", "guidance", "FY2026Q3", "NVIDIA") in _facts("英伟达第三财季营收540亿美元。")
    assert ("$54 billion", "guidance", "FY2026Q3", "NVIDIA") in _facts(
        "Nvidia said third-quarter revenue will be $54 billion."
    )


def test_guidance_without_a_period_is_for_the_quarter_after_the_one_reported():
    text = "英伟达公布2026财年第二季度财报。\n英伟达第二季度营收达467亿美元。公司预计下季度营收540亿美元。"
    facts = _facts(text, None)
    assert ("467亿美元", "revenue", "FY2026Q2", "NVIDIA") in facts
    assert ("540亿美元", "guidance", "FY2026Q3", "NVIDIA") in facts


def test_a_figure_without_a_period_takes_the_one_the_article_reports_on():
    text = "台積電公布2025年第三季財報。\n台積電稅後純益4523億元，毛利率59.5%。"
    facts = _facts(text, None)
    assert ("4523億元", "net_income", "2025Q3", "TSMC") in facts
    assert ("59.5%", "gross_margin", "2025Q3", "TSMC") in facts


def test_a_quarter_without_a_year_and_without_a_date_stays_unresolved():
    assert ("467亿美元", "revenue", None, "NVIDIA") in _facts("英伟达第二财季营收467亿美元。", None)


def test_a_market_value_lost_is_a_change_and_belongs_to_the_chipmaker_not_the_ai_lab():
    facts = _facts("受DeepSeek冲击，英伟达市值蒸发5890亿美元。", "2025-01-28")
    assert ("5890亿美元", "market_value_change", None, "NVIDIA") in facts
    facts = _facts("DeepSeek shock: Nvidia's stock lost 17% and the company shed $589 billion.", "2025-01-28")
    assert ("17%", "share_price_move", None, "NVIDIA") in facts


def test_a_product_figure_is_its_makers_unless_it_is_the_products_own_revenue():
    facts = _facts("NVIDIA的Blackwell收入达到270亿美元。", None)
    assert ("270亿美元", "revenue", None, "Blackwell") in facts
    facts = _facts("Because of the ban, the H20 charge came to $4.5 billion for Nvidia.", None)
    assert ("$4.5 billion", "export_value", None, "NVIDIA") in facts


def test_japanese_fiscal_year_names_follow_the_company():
    # a March year (Japanese companies) is named after the year it starts; NVIDIA's after the year it ends
    assert ("1兆円", "revenue", "FY2026", "Tokyo Electron") in _facts(
        "東京エレクトロンの2025年度の売上高は1兆円。", None
    )
    assert ("1300億ドル", "revenue", "FY2026", "NVIDIA") in _facts("エヌビディアの2026年度の売上高は1300億ドル。", None)


def test_json_shows_the_new_keys_only_when_set():
    out = analyze("英伟达第二财季营收467亿美元，游戏业务收入43亿美元。", published="2025-08-28").to_json("x")
    quantities = [q for c in out["claims"] for q in c["quantities"]]
    revenue = next(q for q in quantities if q["text"] == "467亿美元")
    assert revenue == {
        "value": 46700000000,
        "unit": "USD",
        "text": "467亿美元",
        "metric": "revenue",
        "period": "FY2026Q2",
        "entity": "NVIDIA",
    }
    gaming = next(q for q in quantities if q["text"] == "43亿美元")
    assert set(gaming) == {"value", "unit", "text"}
    json.dumps(out)  # still plain JSON


def test_a_bad_date_is_no_date():
    assert ("467亿美元", "revenue", None, "NVIDIA") in _facts("英伟达第二财季营收467亿美元。", "not a date")
    assert ("467亿美元", "revenue", "FY2026Q2", "NVIDIA") in [
        (q.text, q.metric, q.period, q.entity)
        for c in analyze("英伟达第二财季营收467亿美元。", published=dt.datetime(2025, 8, 28, 12)).claims
        for q in c.quantities
    ]
