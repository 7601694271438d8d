"""What an alert says: the claim as written, why it fired, and where it came from."""

from __future__ import annotations

from typing import Any


def render_alert(
    *,
    rule: str,
    claim: dict[str, Any],
    article_url: str,
    article_title: str | None,
    source: str,
    dedup_key: str,
) -> tuple[str, str]:
    """Title and plain-text body. The dedup key travels in the body so a receiver can drop repeats."""
    entities = ", ".join(claim["entities"]) or "AI chips"
    title = f"[chipwatch] {entities}: {claim['stance']} claim (score {claim['score']:.2f})"
    quantities = "; ".join(f"{q['text']} = {q['value']:g} {q['unit']}" for q in claim["quantities"]) or "none"
    lines = [
        claim["text"],
        "",
        f"Entities: {entities}",
        f"Topics: {', '.join(claim['topics']) or 'none'}",
        f"Numbers: {quantities}",
        f"Stance: {claim['stance']}   Score: {claim['score']:.2f}",
        f"Why: {'; '.join(claim['why'])}",
        f"Source: {source} - {article_title or article_url}",
        f"Link: {article_url}",
        f"Rule: {rule}   Alert-Id: {dedup_key}",
    ]
    return title, "\n".join(lines)
