"""Is a freshly extracted article a re-post of one stored already? Exact text first, then near-duplicate."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chipwatch.pipeline.neardup import CANDIDATE_BITS, distance, is_near_duplicate, simhash
from chipwatch.storage.aliases import article_text, near_candidates, same_text

MAX_CONFIRM = 5  # closest candidates whose text is loaded and compared


def find_original(
    session: Session, article_id: int, content_hash: str, text: str
) -> tuple[int | None, str, int | None]:
    """(original article id or None, reason, this text's simhash)."""
    fingerprint = simhash(text)
    same = same_text(session, content_hash, exclude=article_id)
    if same is not None:
        return same, "same-text", fingerprint
    if fingerprint is None:
        return None, "", None
    close = sorted(
        (d, other)
        for other, h in near_candidates(session, exclude=article_id)
        if (d := distance(fingerprint, h)) <= CANDIDATE_BITS
    )
    for _d, other in close[:MAX_CONFIRM]:
        if is_near_duplicate(text, article_text(session, other)):
            return other, "near-duplicate", fingerprint
    return None, "", fingerprint
