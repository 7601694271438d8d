"""Language of a document: "zh", "ja", "en" or another ISO 639-1 code ("und": nothing to judge)."""

from __future__ import annotations

import re
import threading

# Characters are counted by the length of what the patterns find, never by one string per character: a
# sample of 600 Han characters would otherwise allocate 600 strings, several times the cost of the counts.
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]")  # a subset of the CJK-or-kana class below
_LETTERS = re.compile(r"[^\W\d_]+")
_CJK_OR_KANA = re.compile(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff]+")
# Long documents are judged on their first part: language does not change mid-article, and it keeps the
# classifier's cost constant.
_SAMPLE_CHARS = 600
_lock = threading.Lock()


def detect_language(text: str) -> str:
    sample = text[:_SAMPLE_CHARS]
    kana, han, letters = _counts(sample)
    if letters == 0:
        return "und"
    # Japanese always writes kana between its kanji; Chinese never does. A few kana in a long Chinese text
    # (a quoted product name) must not flip it, so they must be at least 5% of the CJK characters.
    if kana and kana >= 0.05 * (kana + han):
        return "ja"
    # Mostly Han characters and no kana: Chinese (py3langid is unreliable on short Han-only strings).
    if han >= 0.3 * letters:
        return "zh"
    # A few Latin letters ("AI", "H100") are too little for the classifier, which then guesses wildly;
    # in this pipeline such snippets are English ticker/product talk.
    if letters < 12 and sample.isascii():
        return "en"
    return _classify(sample)


def _counts(sample: str) -> tuple[int, int, int]:
    """(kana, Han characters, letters): letters are CJK characters, kana and the letters of other scripts."""
    rest = _CJK_OR_KANA.sub("", sample)  # (one string built in C: cheaper than joining the runs between)
    cjk = len(sample) - len(rest)
    kana = len(_KANA.findall(sample)) if cjk else 0  # kana are among the CJK-or-kana characters
    return kana, cjk - kana, cjk + len("".join(_LETTERS.findall(rest)))


def _classify(sample: str) -> str:
    # py3langid loads its bundled model (shipped inside the package, nothing downloaded) on first use;
    # the lock keeps two threads from loading it twice.
    with _lock:
        from py3langid.langid import classify

    lang, _score = classify(sample)
    return str(lang)
