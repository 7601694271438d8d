"""Topics of a sentence from its topic-cue hits, in vocabulary order."""

from __future__ import annotations

from collections.abc import Iterable

from .lexicon import Hit


def topics_of(hits: Iterable[Hit], order: tuple[str, ...]) -> list[str]:
    found = {role.value for hit in hits for role in hit.roles if role.kind == "topic"}
    return [t for t in order if t in found]
