"""Document-level behaviour: furniture lines, repeated paragraphs, off-topic documents, titles, JSON shape."""

import json
from pathlib import Path

import pytest

from chipwatch.analysis.engine import analyze
from chipwatch.analysis.scoring import BUSINESS_TOPICS, FIGURE_UNITS, NOTABLE_SCORE

DOCS = Path(__file__).parent / "eval" / "docs"


def test_bylines_and_counters_give_no_claims_and_a_headline_with_a_fact_is_one():
    text = "\n".join(
        [
            "英伟达暴跌17%:一篇博文引发的风暴",
            "分类:科技 作者:老K 访问量:3,214",
            "作者:本报记者",
            "50557 阅读",
            "18 评论",
            "2025-02-01 20:13",
            "进不了网站?换个网络试试!",
            "英伟达股价暴跌近17%,市值单日蒸发近6000亿美元。",
        ]
    )
    result = analyze(text)
    assert [c.text for c in result.claims] == [
        "英伟达暴跌17%:一篇博文引发的风暴",
        "英伟达股价暴跌近17%,市值单日蒸发近6000亿美元。",
    ]


def test_repeated_paragraphs_give_one_claim():
    paragraph = "英伟达的研发投入一直是对手AMD的1.5倍,而且英伟达的研发一直聚焦于GPU。"
    text = "标题\n\n" + "\n\n".join([paragraph, "无关的一段话。", paragraph, paragraph])
    assert len(analyze(text).claims) == 1


def test_a_quoted_sentence_in_a_comment_gives_no_second_claim():
    sentence = "英伟达一些产品的毛利率非常高,可达90%以上。"
    text = f"标题\n{sentence}\n网友A\n2 楼\n{sentence} —— 废话,散户不接盘机构怎么出货?"
    assert len(analyze(text).claims) == 1


def test_near_duplicate_spun_paragraph_gives_one_claim():
    first = "英伟达的研发投入一直是对手AMD的1.5倍,而且英伟达的研发一直聚焦于GPU。"
    second = "英伟达的研发投入一直都是对手AMD的1.5倍,而且英伟达的研发始终聚焦于GPU芯片。"
    assert len(analyze(f"标题\n{first}\n{second}").claims) == 1


@pytest.mark.parametrize("name", sorted(p.stem for p in DOCS.glob("*offtopic*.txt")))
def test_off_topic_documents_give_no_claims(name):
    assert analyze((DOCS / f"{name}.txt").read_text(encoding="utf-8")).claims == []


@pytest.mark.parametrize(
    "text",
    [
        "Apple pie recipe: slice two apples, add fish and chips on the side, bake for 40 minutes at 180C.",
        "The club's shares fell 2% and ticket prices rose 5% after the derby defeat.",
        "房价连续三个月回落,二手住宅价格下降0.7%,银行将房贷利率下调至3.05%。",
        # big tech without anything about chips: a phone review
        "iPhone review\nApple kept the starting price at $999, while Samsung raised the Galaxy price by 5%.\n"
        "Apple shares rose 1.2% after the launch event.",
    ],
)
def test_short_off_topic_texts_give_no_claims(text):
    assert analyze(text).claims == []


def test_passing_mention_is_not_a_claim():
    text = "标题\n他住在英伟达总部附近的一个小区,每天骑车上班。"
    assert analyze(text).claims == []


def test_question_is_not_a_claim():
    assert analyze("标题\n英伟达股价能否突破1000美元大关?").claims == []


def test_title_is_taken_from_the_first_line_and_is_a_claim_only_when_it_states_one():
    result = analyze("英伟达市值蒸发6000亿美元\n\n英伟达股价暴跌17%。")
    assert result.title == "英伟达市值蒸发6000亿美元"
    assert [c.text for c in result.claims] == ["英伟达市值蒸发6000亿美元", "英伟达股价暴跌17%。"]
    result = analyze("英伟达的下一步棋\n\n英伟达股价暴跌17%。")
    assert result.title == "英伟达的下一步棋"
    assert [c.text for c in result.claims] == ["英伟达股价暴跌17%。"]


def test_given_title_and_language_are_used():
    result = analyze("Nvidia shares fell 17% on Monday.", title="A title", language="en")
    assert result.title == "A title"
    assert result.language == "en"
    assert len(result.claims) == 1


def test_json_shape_matches_interfaces():
    result = analyze("Nvidia 的风暴\n\n英伟达股价暴跌近17%,市值单日蒸发近6000亿美元。").to_json("doc.txt")
    assert set(result) == {"source", "language", "title", "entities", "claims"}
    claim = result["claims"][0]
    assert set(claim) == {"text", "entities", "topics", "stance", "quantities", "score", "notable", "why"}
    assert claim["quantities"] == [
        # metric, period and entity are optional keys (issue 17), present only when known
        {"value": 17, "unit": "%", "text": "17%", "metric": "share_price_move", "entity": "NVIDIA"},
        {
            "value": 600000000000,
            "unit": "USD",
            "text": "6000亿美元",
            "metric": "market_value_change",
            "entity": "NVIDIA",
        },
    ]
    assert 0 <= claim["score"] <= 1
    assert claim["notable"] is True
    assert "entity NVIDIA" in claim["why"] and "quantity 17 %" in claim["why"] and "cue 暴跌" in claim["why"]
    json.dumps(result, ensure_ascii=False)


def test_unnamed_subject_takes_the_entity_in_context():
    text = "Nvidia earnings\n\nNvidia reported revenue of $57 billion.\n\nShares rose 4% after hours."
    claims = analyze(text).claims
    assert [c.entities for c in claims] == [["NVIDIA"], ["NVIDIA"]]
    assert "entity NVIDIA (from context)" in claims[1].why


def test_document_entities_are_canonical_and_ordered():
    result = analyze("标题\n英伟达和台积电,还有AMD。NVDA跌了。")
    assert result.entities == ["NVIDIA", "TSMC", "AMD"]


@pytest.mark.parametrize("name", sorted(p.stem for p in DOCS.glob("*.txt") if "offtopic" not in p.name))
def test_why_names_only_what_is_in_the_claim(name):
    """Every `why` item points at something in the claim: its entities, quantities, topics or its text."""
    for claim in analyze((DOCS / f"{name}.txt").read_text(encoding="utf-8")).claims:
        assert 0.0 <= claim.score <= 1.0
        # notable: a high score, or a listed company's money or percentage figure on a business topic, or a named
        # company's event on a business topic with a direction stated twice (the cues are not all in `why`'s
        # kinds, so that one is checked for what it needs)
        business = any(t in BUSINESS_TOPICS for t in claim.topics)
        figure = bool(claim.entities) and any(q.unit in FIGURE_UNITS for q in claim.quantities)
        if claim.score >= NOTABLE_SCORE or (figure and business):
            assert claim.notable
        elif claim.notable:
            named = any(w.startswith("entity ") and not w.endswith("(from context)") for w in claim.why)
            cues = sum(w.startswith("cue ") for w in claim.why)
            assert named and business and cues >= 2, claim
        assert claim.why, claim.text
        for item in claim.why:
            kind, _, rest = item.partition(" ")
            if kind == "entity":
                assert rest.removesuffix(" (from context)") in claim.entities
            elif kind == "quantity":
                assert any(item == f"quantity {q.to_json()['value']} {q.unit}" for q in claim.quantities)
            elif kind == "topic":
                assert rest in claim.topics
            elif kind == "subject":  # an unlisted company named as the subject: no entity, but in the text
                assert not claim.entities
                assert rest.removesuffix(" (not a listed entity)").lower() in claim.text.lower()
            else:
                assert kind == "cue"
                cue = rest.removesuffix(" (negated)")
                assert cue.lower() in claim.text.lower() or cue.lower() in claim.text.translate(_FULLWIDTH).lower()


_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
