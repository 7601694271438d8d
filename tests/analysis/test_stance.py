"""Stance toward the main entity, with negation, contrast and hedging."""

import pytest

from chipwatch.analysis.engine import analyze
from chipwatch.analysis.normalize import normalize
from chipwatch.analysis.stance import stance_of
from chipwatch.analysis.vocabulary import get_vocabulary


def stance(text: str) -> str:
    vocab = get_vocabulary()
    norm = normalize(text)
    return stance_of(vocab.lexicon.scan(norm), norm, 0, len(norm), vocab.directional).stance


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("英伟达股价暴跌17%", "bearish"),
        ("英伟达股价大涨8%", "bullish"),
        ("出口管制并非看空英伟达的理由", "bullish"),  # negated bearish cue
        ("长期看并不利空英伟达", "bullish"),
        ("分析师并不看好英伟达", "bearish"),  # negated bullish cue
        ("The margin dip is not a sell signal", "bullish"),
        ("Nvidia shares never rallied after the report", "bearish"),
        ("売り材料ではないとしている", "bullish"),  # Japanese negation follows the cue
        ("短期英伟达有些过热,但长期来看还是低估的", "bullish"),  # the point after "but" wins
        ("Revenue beat estimates, but the stock fell 5% on weak guidance", "bearish"),
        ("Gaming revenue was $4.3 billion, up 30% from last year", "bullish"),  # direction of a number
        ("東京エレクトロンの株価は一時5%安となった", "bearish"),
        ("英伟达不断加大投入", "bullish"),  # 不断 is not a negation
        ("英伟达公布了季度财报", "neutral"),
        ("Nvidia reported revenue of $57 billion", "neutral"),
        ("AMD -4.2% premarket after the guide", "bearish"),  # a signed move
        ("TSMC +3% on the day", "bullish"),
        ("台积电代工报价上调5%-10%", "bullish"),  # a range is not a signed move
        ("美光HBM产能已被预订一空", "bullish"),  # a sold-out idiom
        ("先进封装是英伟达出货的瓶颈", "bearish"),
        ("英特尔代工业务上季度损失了23亿美元", "bearish"),
        ("Intel lost $2.1 billion on the foundry", "bearish"),
        ("I'm short Nvidia into earnings", "bearish"),
    ],
)
def test_stance(text, expected):
    assert stance(text) == expected


def test_hedge_lowers_the_score_not_the_direction():
    plain = analyze("英伟达的毛利率将下降到70%。", title="t").claims[0]
    hedged = analyze("英伟达的毛利率可能下降到70%。", title="t").claims[0]
    assert plain.stance == hedged.stance == "bearish"
    assert hedged.score < plain.score
