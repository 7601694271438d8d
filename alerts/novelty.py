"""Novelty-gated alerts: a rule with `novelty: new` alerts on news, not on the fortieth repeat of a fact.

A claim is news for a rule when it started a cluster, added a new value to an entity's metric, or made a
contradiction (storage.clustering records which on the claim), or when the rule has not alerted on its
cluster yet (its earlier claims did not match the rule). Any other claim of a cluster the rule already
alerted on goes into the rule's digest instead. `novelty: any` (the default) alerts as before.

One filter per claim and rule, called from one place in alerts.enqueue before anything is grouped or
throttled. The alert it lets through names the cluster's size, languages and first source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from chipwatch.alerts.rules import ClaimFacts
from chipwatch.config import AlertRule
from chipwatch.storage.cluster_queries import ClusterNote, cluster_notes, clusters_alerted

_WHAT = {"started": "new fact", "new_value": "new value", "contradiction": "contradiction"}


class NoveltyGate:
    """Per enqueue batch: the batch's clusters and which rules alerted on them, read once, when a rule with
    `novelty: new` first asks (a config without one costs nothing)."""

    def __init__(self, session: Session, claims: Sequence[ClaimFacts]) -> None:
        self._session = session
        self._claim_ids = [c.id for c in claims]
        self._notes: dict[int, ClusterNote] | None = None
        self._alerted: set[tuple[str, int]] = set()

    def _load(self) -> dict[int, ClusterNote]:
        if self._notes is None:
            self._notes = cluster_notes(self._session, self._claim_ids)
            self._alerted = clusters_alerted(self._session, [n.cluster_id for n in self._notes.values()])
        return self._notes

    def admit(self, rule: AlertRule, claim: ClaimFacts) -> ClaimFacts | None:
        """The claim to alert on (with its cluster named in `why`), or None: a repeat, for the digest."""
        if rule.novelty != "new":
            return claim
        note = self._load().get(claim.id)
        if note is None:
            return claim  # stored before clustering existed: judged as before
        seen = (rule.name, note.cluster_id)
        if note.novelty is None and seen in self._alerted:
            return None
        self._alerted.add(seen)  # later claims of this cluster in the same batch are repeats
        return replace(claim, why=[*claim.why, describe(note)])


def describe(note: ClusterNote) -> str:
    """'new fact: cluster of 3 claims in en, ja, zh, first from cn-wire'"""
    what = _WHAT.get(note.novelty or "", "first alert on this fact")
    languages = ", ".join(note.languages) or "no language"
    size = f"{note.size} claim{'s' if note.size != 1 else ''}"
    return f"{what}: cluster of {size} in {languages}, first from {note.first_source}"
