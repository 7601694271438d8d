"""Is a freshly extracted article a re-post of one stored already? Exact text first, then near-duplicate."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chipwatch.pipeline.neardup import CANDIDATE_BITS, distance, is_near_duplicate, shingles
from chipwatch.storage.aliases import article_text, near_candidates, same_text

MAX_CONFIRM = 5  # closest candidates whose text is loaded and compared


class NearIndex:
    """(id, simhash) of the newest processed articles, the window a new article is compared with.

    Read once per batch rather than once per article (a window of thousands of rows each time), and
    kept current in memory as the batch stores its own articles, so a re-post within one batch is
    found too. Articles other workers store meanwhile are seen from their next batch on.
    """

    def __init__(self, rows: list[tuple[int, int]]) -> None:
        self._rows = rows

    @classmethod
    def load(cls, session: Session) -> NearIndex:
        return cls(near_candidates(session, exclude=0))

    def add(self, article_id: int, fingerprint: int) -> None:
        self._rows.append((article_id, fingerprint))

    def closest(self, fingerprint: int, exclude: int) -> list[int]:
        """Ids within CANDIDATE_BITS of `fingerprint`, closest first, at most MAX_CONFIRM of them."""
        close = sorted(
            (d, other)
            for other, h in self._rows
            if other != exclude and (d := distance(fingerprint, h)) <= CANDIDATE_BITS
        )
        return [other for _d, other in close[:MAX_CONFIRM]]


def find_original(
    session: Session, article_id: int, content_hash: str, text: str, fingerprint: int | None, index: NearIndex
) -> tuple[int | None, str]:
    """(original article id or None, reason). `fingerprint` is the text's simhash (None: too short)."""
    same = same_text(session, content_hash, exclude=article_id)
    if same is not None:
        return same, "same-text"
    if fingerprint is None:
        return None, ""
    mine: set[str] | None = None
    for other in index.closest(fingerprint, exclude=article_id):
        mine = mine if mine is not None else set(shingles(text))
        if is_near_duplicate(mine, article_text(session, other)):
            return other, "near-duplicate"
    return None, ""
