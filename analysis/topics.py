"""Topics of a sentence from its topic-cue hits, in vocabulary order."""

from __future__ import annotations

from collections.abc import Iterable

from .lexicon import Hit


def topics_of(hits: Iterable[Hit], order: tuple[str, ...]) -> list[str]:
    found = {topic for hit in hits if hit.topics for topic in hit.topics}
    if not found:
        return []
    return [t for t in order if t in found]
