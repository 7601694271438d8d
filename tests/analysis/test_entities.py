"""Entity aliases in zh / ja / en, tickers and products map to the canonical names of INTERFACES.md."""

import copy

import pytest

from chipwatch.analysis import vocabulary
from chipwatch.analysis.engine import analyze
from chipwatch.analysis.entities import entity_hits, ordered_unique
from chipwatch.analysis.normalize import normalize

# The canonical list of INTERFACES.md.
CANONICAL = {
    "NVIDIA", "AMD", "Intel", "TSMC", "SMIC", "Huawei", "DeepSeek", "OpenAI", "Anthropic", "Google",
    "Microsoft", "Meta", "Amazon", "Apple", "Alibaba", "Tencent", "Baidu", "ByteDance", "Groq",
    "Cerebras", "SambaNova", "Broadcom", "Marvell", "Samsung", "SK Hynix", "Micron", "ASML", "Arm",
    "CUDA", "ROCm", "Blackwell", "Hopper", "H100", "H200", "H800", "H20", "B200", "GB200", "A100",
    "TPU", "Trainium",
    # the second part of the INTERFACES.md list
    "Qualcomm", "Cambricon", "Hygon", "Moore Threads", "Biren", "MetaX", "Enflame", "Kunlunxin", "Rapidus",
    "Advantest", "Tokyo Electron", "Kioxia", "Renesas", "SoftBank", "Supermicro", "CoreWeave", "Oracle", "xAI",
    "Ascend", "MI300", "MI350", "Gaudi", "Rubin",
}  # fmt: skip


def entities(text: str, *, allow_ambiguous: bool = False) -> list[str]:
    hits = vocabulary.get_vocabulary().lexicon.scan(normalize(text))
    return ordered_unique(name for _, name in entity_hits(hits, allow_ambiguous=allow_ambiguous))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("英伟达股价暴跌", ["NVIDIA"]),
        ("輝達與台積電", ["NVIDIA", "TSMC"]),
        ("エヌビディアの株価", ["NVIDIA"]),
        ("NVDA fell 3%", ["NVIDIA"]),
        ("Nvidia and nvidia", ["NVIDIA"]),
        ("台积电CoWoS产能", ["TSMC"]),
        ("华为昇腾910C", ["Huawei", "Ascend"]),
        ("深度求索(DeepSeek)发布R1", ["DeepSeek"]),
        ("Deep Seek宣布", ["DeepSeek"]),
        ("SK海力士和三星电子", ["SK Hynix", "Samsung"]),
        ("中芯国际代工", ["SMIC"]),
        ("Google's TPU and Amazon's Trainium2", ["Google", "TPU", "Amazon", "Trainium"]),
        ("H100、H200、H800与H20", ["H100", "H200", "H800", "H20"]),
        ("GB200 NVL72 racks and B200", ["GB200", "B200"]),
        ("ファーウェイとアリババとテンセント", ["Huawei", "Alibaba", "Tencent"]),
        ("字节跳动和百度", ["ByteDance", "Baidu"]),
        ("黄仁勋表示", ["NVIDIA"]),
    ],
)
def test_aliases(text, expected):
    assert entities(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "artificial intelligence and Intelligent design",  # Intel only as a word of its own
        "he hurt his arm playing",  # "Arm" is matched with its case only
        "the meta discussion",  # so is "Meta"
        "ポテトチップスを食べた",  # katakana alias inside a longer katakana word
        "H2O is water, H2000 is not a chip",
    ],
)
def test_no_false_aliases(text):
    assert entities(text) == []


def test_ambiguous_alias_needs_an_ai_chip_document():
    assert entities("苹果派的做法") == []
    assert entities("苹果和英伟达", allow_ambiguous=True) == ["Apple", "NVIDIA"]
    recipe = "苹果蛋糕的做法:苹果两个,面粉200克,烤箱预热180度,烤40分钟。苹果要选脆的。"
    assert analyze(recipe).entities == []


def test_every_entity_is_canonical():
    assert set(vocabulary.get_vocabulary().entity_kind) == CANONICAL


def test_adding_an_alias_is_a_data_change(monkeypatch):
    data = vocabulary._read_all()
    extended = copy.deepcopy(data)
    extended["entities"]["entities"]["NVIDIA"]["aliases"].append("绿厂")
    vocab = vocabulary._build(extended)
    hits = vocab.lexicon.scan("绿厂又涨了")
    assert [name for _, name in entity_hits(hits, allow_ambiguous=False)] == ["NVIDIA"]
    # (the unextended vocabulary reads 涨了 as a cue, but no entity)
    assert not entity_hits(vocabulary._build(data).lexicon.scan("绿厂又涨了"), allow_ambiguous=False)


def test_regex_backend_matches_the_automaton():
    vocab = vocabulary.get_vocabulary()
    text = normalize(open_seed("zh_short_case_comments.txt"))
    fast = [(h.start, h.end, h.text) for h in vocab.lexicon.scan(text)]
    data = vocabulary._read_all()
    slow_vocab = vocabulary._build(data)
    slow_vocab.lexicon.compile(backend="regex")
    slow = [(h.start, h.end, h.text) for h in slow_vocab.lexicon.scan(text)]
    assert fast == slow


def open_seed(name: str) -> str:
    from pathlib import Path

    return (Path(__file__).parent / "eval" / "docs" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # zh-CN, zh-TW, ja and en forms of the entities added with the list's second part
        ("寒武纪和摩尔线程、沐曦都在扩产", ["Cambricon", "Moore Threads", "MetaX"]),
        ("台積電與輝達、海光資訊", ["TSMC", "NVIDIA", "Hygon"]),
        (
            "東京エレクトロンとアドバンテスト、キオクシア、ルネサス",
            ["Tokyo Electron", "Advantest", "Kioxia", "Renesas"],
        ),
        ("ソフトバンクグループとラピダス", ["SoftBank", "Rapidus"]),
        ("Supermicro, CoreWeave and Oracle signed with xAI", ["Supermicro", "CoreWeave", "Oracle", "xAI"]),
        ("華為昇騰910C對標Rubin與MI355X、Gaudi 3", ["Huawei", "Ascend", "Rubin", "MI350", "Gaudi"]),
        ("壁仞科技、燧原科技与昆仑芯", ["Biren", "Enflame", "Kunlunxin"]),
    ],
)
def test_second_part_of_the_entity_list_in_every_script(text: str, expected: list[str]) -> None:
    assert entities(text) == expected


def test_traditional_script_forms_come_from_the_simplified_vocabulary() -> None:
    # written only in simplified script in vocab/*.yaml; the traditional forms are made at load time
    hits = vocabulary.get_vocabulary().lexicon.scan(normalize("營收成長46%,需求強勁"))
    kinds = {h.text: {r.kind for r in h.roles} for h in hits}
    assert "subject" in kinds["營收"] and "bullish" in kinds["強勁"]
