"""Canonical entities from lexicon hits."""

from __future__ import annotations

from collections.abc import Iterable

from .lexicon import Hit


def entity_hits(hits: Iterable[Hit], *, allow_ambiguous: bool) -> list[tuple[Hit, str]]:
    """(hit, canonical name) for every entity alias; ambiguous aliases (苹果) only when allowed."""
    if allow_ambiguous:
        # Any entity role will do, so the first one, which the scan already put in `entity`.
        return [(hit, hit.entity) for hit in hits if "entity" in hit.kinds]
    out = []
    for hit in hits:
        if "entity" not in hit.kinds:
            continue
        for role in hit.roles:
            if role.kind == "entity" and (allow_ambiguous or role.flag != "ambiguous"):
                out.append((hit, role.value))
                break
    return out


def ordered_unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(name, None)
    return list(seen)
