"""Rules -> outbox rows -> delivery through apprise, one target at a time.

- rules.py: which claims a rule fires on (entities, topics, stance, language, source, score, quantities).
- outbox.py: `enqueue_alerts` (idempotent, claims marked in the same transaction) and `deliver_due`
  (claim under a lease, send, record; backoff, dead letters). Its docstring names the one repeat window.
- throttle.py, schedule.py: at most N immediate alerts per rule per hour; quiet hours; digest periods.
- digest.py: `send_digests(db, settings, now)`, once per rule, period and target.
- messages.py + templates/: Jinja2 title and body per format (text, markdown, html), escaped per format.
- notify.py: one apprise call per target, in the target's own body format; targets.py: `alerts test`.
"""
