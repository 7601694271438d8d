"""At most N immediate alerts per rule per hour; what is over the limit waits for the rule's digest."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chipwatch.config import AlertRule
from chipwatch.storage import outbox

WINDOW = timedelta(hours=1)


class Throttle:
    """Counts per rule within one enqueue transaction: what the database already holds for the last hour,
    plus what this transaction has allowed so far."""

    def __init__(self, session: Session, now: datetime) -> None:
        self._session = session
        self._since = now - WINDOW
        self._used: dict[str, int] = {}

    def allow(self, rule: AlertRule) -> bool:
        if rule.throttle is None:
            return True
        if rule.name not in self._used:
            self._used[rule.name] = outbox.immediate_claims_since(self._session, rule.name, self._since)
        if self._used[rule.name] >= rule.throttle:
            return False
        self._used[rule.name] += 1
        return True
