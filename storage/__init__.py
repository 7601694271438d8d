"""SQLAlchemy 2.0 models, the query functions the rest of chipwatch needs, and Alembic migrations.

The only package that knows SQL. SQLite file by default, PostgreSQL by URL.
"""
