"""Unlisted companies as subjects, numbers in words, list headers, funding and conditional forecasts: each rule
on a text the evaluation set does not contain."""

from chipwatch.analysis.engine import analyze
from chipwatch.analysis.normalize import normalize
from chipwatch.analysis.quantities import extract_quantities


def _claims(text: str) -> dict[str, object]:
    return {c.text: c for c in analyze(text).claims}


def _quantities(text: str, language: str) -> list[tuple[float, str]]:
    norm = normalize(text)
    return [(q.value, q.unit) for q in extract_quantities(norm, text, 0, len(norm), language=language)]


ZH_NOTE = (
    "半导体设备晨报\n"
    "英伟达数据中心GPU需求强劲,台积电CoWoS产能持续扩张。\n"
    "中微公司:前三季度营收同比增长41%,维持买入评级,目标价300元。\n"
    "公司预计明年刻蚀设备出货量继续提升。\n"
)


def test_unlisted_company_as_subject_does_not_take_the_entity_in_context() -> None:
    claims = _claims(ZH_NOTE)
    amec = next(c for text, c in claims.items() if text.startswith("中微公司"))
    assert amec.entities == []
    assert "subject 中微公司 (not a listed entity)" in amec.why
    # "公司" in the next sentence refers back to the unlisted company, not to TSMC or NVIDIA
    following = [c for text, c in claims.items() if text.startswith("公司预计")]
    assert all(c.entities == [] for c in following)


def test_unlisted_company_after_a_listed_one_in_a_ja_thread() -> None:
    doc = (
        "半導体株スレ\n"
        "エヌビディアのGPU需要はまだ強い。\n"
        "レーザーテックの目標株価、野村が2万3000円から2万6000円に引き上げ。\n"
    )
    claim = next(c for text, c in _claims(doc).items() if "目標株価" in text)
    assert claim.entities == []
    assert [(q.value, q.unit) for q in claim.quantities] == [(23000, "JPY"), (26000, "JPY")]


def test_digits_after_man_without_a_second_scale_character() -> None:
    assert _quantities("目標株価を１万２０００円に", "ja") == [(12000, "JPY")]
    assert _quantities("股价1万2000元", "zh") == [(12000, "CNY")]
    assert _quantities("3亿5000万美元", "zh") == [(350000000, "USD")]


def test_multiples_in_words_rack_power_and_racks() -> None:
    assert _quantities("a rack draws 130 kW, about eight times an enterprise rack", "en") == [
        (130, "kW"),
        (8, "x"),
    ]
    assert _quantities("a three-fold rise; one times nothing", "en") == [(3, "x")]
    assert _quantities("we model 2,500 racks next year", "en") == [(2500, "racks")]


def test_approximate_directional_number_and_broker_beat_words() -> None:
    en = "AMD outlook\nAMD said MI355X sales should reach $2bn, up ~40% y/y.\n"
    assert next(iter(_claims(en).values())).stance == "bullish"
    zh = "海力士快评\nSK海力士三季度营收同比+38%,超市场一致预期。\n"
    assert next(iter(_claims(zh).values())).stance == "bullish"


def test_titles_after_a_list_header_are_not_claims() -> None:
    doc = (
        "英伟达周报\n"
        "英伟达本周股价上涨5%,数据中心GPU需求强劲。\n"
        "推荐阅读\n"
        "台积电财报解读:CoWoS产能再创新高\n"
        "AMD股价大涨10%,MI355X订单爆满\n"
    )
    texts = list(_claims(doc))
    assert len(texts) == 1 and texts[0].startswith("英伟达本周")


def test_an_entity_named_as_a_yardstick_does_not_make_its_clause_about_another_company() -> None:
    doc = "AMD财报\nAMD的MI355X出货量大增,但与英伟达相比仍然差一大截。\n"
    assert next(iter(_claims(doc).values())).stance == "bearish"


def test_state_funding_of_an_unlisted_chipmaker_is_a_claim_about_it() -> None:
    doc = (
        "レーザーテック、AI向け検査装置を増産へ\n"
        "エヌビディアのGPUを積むAIサーバー向けに先端半導体の需要が拡大している。\n"
        "レーザーテックは横浜の工場で検査装置の量産を前倒しする。\n"
        "経済産業省は同社に対し最大2400億円を補助金として支援する方針だ。\n"
        "同社の必要な資金は総額1兆円規模で、民間からの出資は300億円程度にとどまる見通しだ。\n"
    )
    claims = _claims(doc)
    subsidy = next(c for text, c in claims.items() if text.startswith("経済産業省"))
    assert subsidy.entities == [] and "capex_orders" in subsidy.topics
    assert {"value": 240000000000, "unit": "JPY"}.items() <= subsidy.quantities[0].to_json().items()
    assert "subject 同社 (not a listed entity)" in subsidy.why  # refers back to the unlisted company
    funds = next(c for text, c in claims.items() if text.startswith("同社の必要な資金"))
    assert funds.stance == "bearish" and any("にとどま" in w for w in funds.why)


def test_a_conditional_forecast_with_a_number_about_gpus_is_a_claim() -> None:
    doc = (
        "Power is the new bottleneck\n"
        "Utilities cannot connect new data centers fast enough for Nvidia's GPU clusters.\n"
        "If grid upgrades slip again, GPU shipments next year could come in 15% below current plans.\n"
    )
    claims = _claims(doc)
    forecast = next(c for text, c in claims.items() if text.startswith("If grid upgrades"))
    assert forecast.stance == "bearish" and forecast.quantities[0].value == 15
