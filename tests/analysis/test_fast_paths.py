"""The shortcuts of the scan, the sentence cutter and the language counts give what the plain reading gives."""

import re
import sys
from pathlib import Path

import pytest

from chipwatch.analysis import language, lexicon, sentences, vocabulary
from chipwatch.analysis.normalize import normalize

DOCS = Path(__file__).parent / "eval" / "docs"
MIXED = [
    "Nvidia、NVIDIA和nvidia的GPU;AMD GPU与AMDGPU。Meta和META,Arm与arm,英伟达H100、H200。",
    "U.S. export rules hit Mr. Huang's H20. Shares fell 8.5% ... then rose! —— quote ——— 完。",
    "İstanbul'da NVIDIA ＧＰＵ. ポテトチップスとチップ、エヌビディア。",
]


def _texts() -> list[str]:
    return [*MIXED, *(normalize(p.read_text()) for p in sorted(DOCS.glob("*.txt")))]


def test_caseless_characters_are_written_only_one_way():
    # A hit of a term made of these characters takes the term as its text (lexicon._CASELESS): no other
    # character may lower-case to one of them, and none of them may have a case of its own.
    targets = set()
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        lowered = ch.lower()
        if lowered != ch:
            targets.update(lowered)
    caseless = [chr(cp) for cp in range(0x3000, 0xA000)] + [chr(cp) for cp in range(0x80) if not chr(cp).isalpha()]
    assert all(lexicon._CASELESS.fullmatch(ch) for ch in caseless)
    assert not any(lexicon._CASELESS.fullmatch(ch) for ch in "AZaz")
    assert not [ch for ch in caseless if ch in targets or ch.upper() != ch or ch.lower() != ch]


@pytest.mark.parametrize("text", _texts()[:8])
def test_a_hit_keeps_the_text_as_written(text):
    for hit in vocabulary.get_vocabulary().lexicon.scan(text):
        assert hit.text == text[hit.start : hit.end]
        assert type(hit) is lexicon.Hit


def _plain_pieces(line: str) -> list[tuple[int, int]]:
    """The sentence pieces as _TERMINATOR's groups say, every one of them (what _pieces shortens)."""
    pieces, start = [], 0
    for m in sentences._TERMINATOR.finditer(line):
        if m.group().startswith(".") and sentences._ABBREV.search(line, max(0, m.start() - 6), m.start()):
            continue
        pieces.append((start, m.start() if m.group("rule") is not None else m.end()))
        start = m.end()
    if start < len(line):
        pieces.append((start, len(line)))
    return [cut for s, e in pieces for cut in sentences._cap(line, s, e)]


def test_pieces_are_the_plain_pieces():
    lines = [line for text in _texts() for line in text.split("\n") if line]
    lines += ["a" * 900 + "。" + "，".join(["b" * 150] * 8), "——", "x.—— y", "“好。”」他说…!?"]
    for line in lines:
        plain = _plain_pieces(line)
        assert sentences._pieces(line, len(line)) == plain
        for last in (0, len(line) // 3, len(line) - 1):
            cut = sentences._pieces(line, last)
            assert cut == plain[: len(cut)]
            assert all(s > last for s, _ in plain[len(cut) :])


def _plain_counts(text: str) -> tuple[int, int, int]:
    """(kana, han, letters) counted one character at a time."""
    sample = text[: language._SAMPLE_CHARS]
    cjk = re.findall(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff]", sample)
    kana = len(re.findall(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]", sample))
    other = re.sub(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff]", "", sample)
    return kana, len(cjk) - kana, len(cjk) + len(re.findall(r"[^\W\d_]", other))


def test_language_counts_are_the_plain_counts():
    for text in [*_texts(), "²³①Ⅳ一二三", "a中b", "ｶﾀｶﾅ\u3040\u3097\u30fb", "Привет, мир", ""]:
        assert language._counts(text[: language._SAMPLE_CHARS]) == _plain_counts(text)
