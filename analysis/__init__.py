"""Text in, claims out: pure functions with no I/O, no database and no orchestration."""
