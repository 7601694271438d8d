"""Near-duplicate text: the same article re-posted with a new title, a few words spun, or some
boilerplate added. A 64-bit simhash over character shingles finds candidates cheaply; the exact
shingle overlap of a candidate confirms it.

Hand-written rather than datasketch: one 64-bit integer per article fits a BIGINT column and the
comparison is a popcount, while MinHash needs a 128-value signature per article plus an LSH index
rebuilt from the database each run (and numpy/scipy). Character shingles, not words, because
Chinese and Japanese text has no spaces.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter

SHINGLE = 4  # characters
CANDIDATE_BITS = 18  # simhash distance that makes a candidate worth confirming
MIN_CONTAINMENT = 0.6  # share of the shorter text's shingles found in the other
MIN_CHARS = 80  # shorter texts (a one-line post) are too short to call re-posts
_DROP = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, no whitespace or punctuation."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def shingles(text: str) -> Counter[str]:
    norm = normalise(text)
    return Counter(norm[i : i + SHINGLE] for i in range(max(len(norm) - SHINGLE + 1, 0)))


def simhash(text: str) -> int | None:
    """Signed 64-bit simhash of the text (None for texts too short to compare)."""
    grams = shingles(text)
    if sum(grams.values()) < MIN_CHARS:
        return None
    # Count, per byte position of the 8-byte hash, how much weight each byte value carries; a bit's
    # vote is then a sum over the 128 byte values that have it set (8 additions per shingle, not 64).
    tables = [[0] * 256 for _ in range(8)]
    total = 0
    for gram, count in grams.items():
        for j, byte in enumerate(hashlib.blake2b(gram.encode(), digest_size=8).digest()):
            tables[j][byte] += count
        total += count
    value = 0
    for bit in range(64):
        j, k = divmod(bit, 8)
        ones = sum(w for v, w in enumerate(tables[j]) if v >> k & 1)
        if 2 * ones > total:
            value |= 1 << bit
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def containment(a: str, b: str) -> float:
    """|A ∩ B| / min(|A|, |B|) over shingle sets: 1.0 when one text holds the other."""
    sa, sb = set(shingles(a)), set(shingles(b))
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def is_near_duplicate(a: str, b: str) -> bool:
    return containment(a, b) >= MIN_CONTAINMENT
