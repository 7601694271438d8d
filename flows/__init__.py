"""Prefect flows: wiring only. Each task wraps one plain function from chipwatch.pipeline/alerts."""
