from chipwatch.analysis.engine import analyze


def test_seed_like_text_gives_claims():
    result = analyze("英伟达股价暴跌近17%,市值单日蒸发近6000亿美元。\n今天天气很好。", title="t")
    assert result.language == "zh"
    assert len(result.claims) == 1
    claim = result.claims[0]
    assert claim.entities == ["NVIDIA"]
    assert claim.stance == "bearish"
    assert [(q.value, q.unit) for q in claim.quantities] == [(17, "%"), (600000000000, "USD")]


def test_empty_text_gives_no_claims():
    assert analyze("").claims == []
