"""Rules -> outbox rows -> delivery through apprise, one target at a time.

- rules.py: which claims a rule fires on (entities, topics, stance, language, source, score, quantities).
- targets.py: a rule's `notify` entries resolved to apprise URLs; `alerts test`.
- enqueue.py: `enqueue_alerts`, idempotent, claims marked evaluated in the same transaction.
- delivery.py: `deliver_due`: claim under a lease, send, record; backoff, dead letters. Its docstring states
  the repeat window exactly.
- throttle.py, schedule.py: at most N immediate alerts per rule per hour; quiet hours; digest periods.
- digest.py: `send_digests(db, alerts, now)`, once per rule, period and target.
- messages.py + templates/: Jinja2 title and body per format (text, markdown, html), escaped per format.
- notify.py: one apprise call per target, in the target's own body format, with its timeouts and the alert's key
  (payload field and `Idempotency-Key` / `X-Chipwatch-Alert` headers where the service takes them).
- apprise_report.py: what apprise logged about one send; tells "sent, no answer in time" (`unknown`) from
  "never sent" (`failed`).
The outbox table itself is chipwatch.storage.outbox; putting alerts back in the queue is chipwatch.storage.requeue.
"""
