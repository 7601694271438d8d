"""Rules -> outbox rows -> delivery through apprise, one target at a time."""
