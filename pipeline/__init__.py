"""The pipeline's steps as plain functions over a database and an HTTP client.

Prefect flows (chipwatch.flows) and the CLI both call these; nothing here imports Prefect.
"""
