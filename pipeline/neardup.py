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
    count = max(len(norm) - SHINGLE + 1, 0)
    # Slices made by map over slice objects: the loop runs in C, with no Python frame per character.
    return Counter(map(norm.__getitem__, map(slice, range(count), range(SHINGLE, count + SHINGLE))))


def simhash(text: str) -> int | None:
    """Signed 64-bit simhash of the text (None for texts too short to compare)."""
    grams = shingles(text)
    total = sum(grams.values())
    if total < MIN_CHARS:
        return None
    # Bit 8j+k is set when more than half of the (weighted) shingle hashes have bit k set in byte j.
    # All hashes in one bytes object, each repeated by its count; byte j of every hash is then the
    # slice blob[j::8], and translate + count tallies a bit over it in C, not one shingle at a time.
    blake2b = hashlib.blake2b
    blob = b"".join([blake2b(gram.encode(), digest_size=8).digest() * count for gram, count in grams.items()])
    value = 0
    for j in range(8):
        column = blob[j::8]
        for k in range(8):
            if 2 * column.translate(_BIT[k]).count(1) > total:
                value |= 1 << (8 * j + k)
    return value - (1 << 64) if value >= 1 << 63 else value


# _BIT[k] maps each byte value to 1 when its bit k is set, else 0 (a bytes.translate table).
_BIT = [bytes((v >> k) & 1 for v in range(256)) for k in range(8)]


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def containment(a: str | set[str], b: str | set[str]) -> float:
    """|A ∩ B| / min(|A|, |B|) over shingle sets: 1.0 when one text holds the other. Either side may be
    given as its shingle set already (a text compared with several candidates is shingled once)."""
    sa = a if isinstance(a, set) else set(shingles(a))
    sb = b if isinstance(b, set) else set(shingles(b))
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def is_near_duplicate(a: str | set[str], b: str | set[str]) -> bool:
    return containment(a, b) >= MIN_CONTAINMENT
