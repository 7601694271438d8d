import pytest

from chipwatch.analysis.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("英伟达股价暴跌17%,市值单日蒸发近6000亿美元。", "zh"),
        ("輝達股價大跌", "zh"),
        ("エヌビディアの株価が急落した", "ja"),
        ("TSMC、7～9月期は過去最高益", "ja"),  # kanji-heavy, a few kana: still Japanese
        ("Nvidia shares fell 17% on Monday after DeepSeek released its model.", "en"),
        ("Les actions de Nvidia ont fortement chuté lundi après la publication.", "fr"),
        ("H100", "en"),  # too short for the classifier: ticker talk
        ("", "und"),
        ("12345 !!! ---", "und"),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


def test_a_quoted_japanese_word_does_not_make_chinese_japanese():
    text = "英伟达在日本的名字是エヌビ。" + "英伟达股价暴跌,市值单日蒸发近六千亿美元,创下纪录。" * 6
    assert detect_language(text) == "zh"
