"""Alembic environment: always called with a live connection from `chipwatch.storage.db`."""

from alembic import context

from chipwatch.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch mode for ALTER
)
with context.begin_transaction():
    context.run_migrations()
