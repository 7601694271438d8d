"""Templates: what a message says, the English gloss of zh/ja numbers, escaping per body format, overrides."""

from __future__ import annotations

from chipwatch.alerts.messages import english_gloss, english_value, render_alert, render_digest
from chipwatch.alerts.rules import ClaimFacts
from chipwatch.config import AlertRule

ZH = ClaimFacts(
    id=1,
    fingerprint="f",
    text="英伟达市值单日蒸发6000亿美元，股价暴跌17%",
    language="zh",
    entities=["NVIDIA"],
    topics=["market"],
    stance="bearish",
    quantities=[
        {"value": 600000000000, "unit": "USD", "text": "6000亿美元"},
        {"value": 17, "unit": "%", "text": "17%"},
    ],
    score=0.91,
    why=["entity NVIDIA", "quantity 6e11 USD", "cue 暴跌"],
    source="wire",
    article_url="http://127.0.0.1:9/a?x=1&y=(2)",
    article_title="<b>Shock</b> & awe",
)
RULE = AlertRule(name="big-moves", notify=["json://127.0.0.1:9/x"])


def test_english_values_and_gloss() -> None:
    assert english_gloss(ZH.quantities) == ["6000亿美元 = USD 600 billion", "17% = 17%"]
    assert english_value({"value": 1.5e12, "unit": "CNY"}) == "CNY 1.5 trillion"
    assert english_value({"value": 0.0222, "unit": "x"}) == "0.022x"
    assert english_value({"value": 10000, "unit": "GPU"}) == "10,000 GPU"
    assert english_value({"value": 600e9, "value_max": 700e9, "unit": "USD"}) == "USD 600-700 billion"


def test_default_text_message_names_everything_a_reader_needs() -> None:
    title, body = render_alert(RULE, ZH, "KEY123", "text")
    assert title == "NVIDIA market value US$600B, -17% · bearish · wire"
    for part in (
        ZH.text,
        "In English: 6000亿美元 = USD 600 billion; 17% = 17%",
        "Numbers: USD 600 billion; 17%",
        "Stance: bearish",
        "Score: 0.91",
        "Why: entity NVIDIA; quantity 6e11 USD; cue 暴跌",
        "Source: wire - <b>Shock</b> & awe",  # plain text is not escaped
        f"Link: {ZH.article_url}",
        "Alert-Id: KEY123",
    ):
        assert part in body


def test_english_claims_get_no_gloss() -> None:
    en = ClaimFacts(**{**ZH.__dict__, "language": "en", "text": "NVIDIA lost $600bn"})
    _title, body = render_alert(RULE, en, "K", "text")
    assert "In English" not in body and "Numbers: USD 600 billion; 17%" in body


def test_html_body_escapes_what_came_from_outside() -> None:
    hostile = ClaimFacts(**{**ZH.__dict__, "text": "<script>alert(1)</script> NVIDIA & AMD"})
    _title, body = render_alert(RULE, hostile, "K", "html")
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; NVIDIA &amp; AMD" in body
    assert "&lt;b&gt;Shock&lt;/b&gt; &amp; awe" in body
    assert 'href="http://127.0.0.1:9/a?x=1&amp;y=(2)"' in body
    assert "<blockquote>" in body  # the template's own markup stays


def test_markdown_body_escapes_markdown_syntax_in_values() -> None:
    tricky = ClaimFacts(**{**ZH.__dict__, "text": "NVIDIA *up* [click](http://evil) _x_"})
    _title, body = render_alert(RULE, tricky, "K", "markdown")
    assert r"NVIDIA \*up\* \[click\]\(http://evil\) \_x\_" in body
    assert "(http://127.0.0.1:9/a?x=1&y=%282%29)" in body  # link target: parentheses encoded, not escaped
    assert "**Entities:** NVIDIA" in body


def test_a_rule_can_override_its_templates() -> None:
    rule = AlertRule(
        name="custom",
        notify=["json://127.0.0.1:9/x"],
        template={
            "title": "{{ entities }} moved",
            "body": "<p>{{ text }}</p><p>{{ gloss|join(' / ') }}</p>",
            "format": "html",
        },
    )
    hostile = ClaimFacts(**{**ZH.__dict__, "text": "a<b"})
    title, body = render_alert(rule, hostile, "K", "html")
    assert title == "NVIDIA moved"
    assert body == "<p>a&lt;b</p><p>6000亿美元 = USD 600 billion / 17% = 17%</p>"


def test_digest_lists_each_claim_with_its_link() -> None:
    other = ClaimFacts(**{**ZH.__dict__, "id": 2, "text": "TSMC raises capex", "language": "en", "entities": ["TSMC"]})
    title, body = render_digest(RULE, [(ZH, False), (other, True)], "2026-11-25 08:00 CST", "DKEY", "text")
    assert title == "[chipwatch] big-moves digest: 2 claims up to 2026-11-25 08:00 CST"
    assert "1. [NVIDIA] 英伟达市值单日蒸发6000亿美元" in body and "2. [TSMC] TSMC raises capex" in body
    assert "In English: 6000亿美元 = USD 600 billion" in body
    assert "held back by the rule's throttle" in body and "Alert-Id: DKEY" in body


def test_only_http_links_are_clickable() -> None:
    hostile = ClaimFacts(**{**ZH.__dict__, "article_url": "javascript:alert(1)"})
    assert 'href="#"' in render_alert(RULE, hostile, "K", "html")[1]
    assert "](#)" in render_alert(RULE, hostile, "K", "markdown")[1]


def test_a_broken_rule_template_falls_back_to_the_default_and_says_why() -> None:
    rule = AlertRule(name="typo", notify=["json://127.0.0.1:9/x"], template={"body": "{{ no_such_thing }}"})
    title, body = render_alert(rule, ZH, "K", "text")
    assert title.startswith("NVIDIA market value") and ZH.text in body
    assert "rule template failed" in body and "no_such_thing" in body
