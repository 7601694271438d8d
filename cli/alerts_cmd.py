"""`chipwatch alerts test|list|retry`: check targets, look into the outbox, re-queue dead letters."""

from __future__ import annotations

from collections.abc import Sequence

from chipwatch.cli.terminal import json_line, printable
from chipwatch.config import Settings


def alerts_test(settings: Settings) -> int:
    from chipwatch.alerts.targets import test_targets

    results = test_targets(settings.alerts)
    for target, error in results:
        print(printable(f"{target}: {'delivered' if error is None else 'FAILED: ' + error}"))
    if not results:
        print("no alert targets configured (add `alerts:` with `notify:` URLs)")
    return 1 if any(e for _, e in results) else 0


def alerts_list(settings: Settings, state: str | None, as_json: bool, limit: int = 1000) -> int:
    from chipwatch.storage.db import open_database
    from chipwatch.storage.queries import list_alerts

    db = open_database(settings.database)
    try:
        with db.session() as session:
            rows = [_row(a) for a in list_alerts(session, state=state, limit=limit)[0]]
    finally:
        db.dispose()
    for row in rows:
        if as_json:
            print(json_line(row))
        else:
            err = f"  {row['last_error']}" if row["last_error"] else ""
            print(
                printable(
                    f"{row['id']:>6} {row['state']:<8} {row['attempts']:>2}x {row['kind']:<9} "
                    f"{row['rule']:<20} {row['target']}  {row['title']}{err}"
                )
            )
    if not rows and not as_json:
        print(f"no alerts{' in state ' + state if state else ''}")
    return 0


def alerts_retry(settings: Settings, ids: Sequence[int], dead: bool) -> int:
    from chipwatch.storage.db import open_database
    from chipwatch.storage.requeue import requeue

    db = open_database(settings.database)
    try:
        with db.session() as session, session.begin():
            requeued = requeue(session, ids, dead=dead)
    finally:
        db.dispose()
    missed = sorted(set(ids) - set(requeued))
    print(f"re-queued {len(requeued)} alert(s){': ' + ', '.join(map(str, requeued)) if requeued else ''}")
    if missed:
        print(f"not re-queued (unknown, or not failed/dead): {', '.join(map(str, missed))}")
    return 0 if requeued or dead else 1


def _row(a) -> dict:  # type: ignore[no-untyped-def]
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "id": a.id,
        "state": a.state,
        "kind": a.kind,
        "rule": a.rule,
        "claim_id": a.claim_id,
        "target": a.target,  # masked when stored
        "title": a.title,
        "attempts": a.attempts,
        "last_error": a.last_error,
        "next_attempt_at": iso(a.next_attempt_at),
        "created_at": iso(a.created_at),
        "sent_at": iso(a.sent_at),
        "dedup_key": a.dedup_key,
    }
