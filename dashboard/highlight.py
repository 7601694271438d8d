"""Split an article's text into plain and claim segments so the template can mark claims
(the template escapes each segment; no HTML is built here)."""

from __future__ import annotations

from dataclasses import dataclass

from chipwatch.storage.models import Claim


@dataclass(frozen=True)
class Segment:
    text: str
    claim_id: int | None = None  # set when this segment is a claim's sentence


def segments(text: str, claims: list[Claim]) -> list[Segment]:
    """Plain text with each claim sentence found in it cut out as its own segment, in text order.
    Claims whose sentence is not found verbatim (normalised whitespace) are simply not marked."""
    spans: list[tuple[int, int, int]] = []
    for claim in claims:
        start = text.find(claim.text)
        if start < 0:
            continue
        end = start + len(claim.text)
        if all(end <= s or start >= e for s, e, _ in spans):  # overlapping sentences: keep the first
            spans.append((start, end, claim.id))
    out: list[Segment] = []
    pos = 0
    for start, end, claim_id in sorted(spans):
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], claim_id))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out
