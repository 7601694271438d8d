"""masked alert targets: every stored `alerts.target` masked again, secrets in any part of the URL hidden
(issue 16, item 2)

Revision ID: 0008_masked_targets
Revises: 0007
Create Date: 2026-12-04 18:00:00

Rows written before this kept header values (`?+X-Api-Key=...`), payload values (`?-apikey=...`) and path
tokens (`json://host/hook/SECRET`) of json/xml/form and mailto targets in clear. The stored form is a masked
URL still, so masking it again with the current rules hides what the old rules left; rows already masked stay
as they are. Only `target` changes: `target_hash` and the dedup keys built on it are untouched, so pending
alerts still find their URL in the config. Nothing to undo: a downgrade keeps the masked values.
"""

import sqlalchemy as sa
from alembic import op

from chipwatch.redact import mask_target

revision = "0008_masked_targets"
down_revision = "0007"
branch_labels = None
depends_on = None

_alerts = sa.table("alerts", sa.column("id", sa.Integer), sa.column("target", sa.String))


def upgrade() -> None:
    conn = op.get_bind()
    # Distinct targets are few (one per configured URL), however many alerts there are.
    for (target,) in conn.execute(sa.select(_alerts.c.target).distinct()).fetchall():
        masked = mask_target(target)
        if masked != target:
            conn.execute(sa.update(_alerts).where(_alerts.c.target == target).values(target=masked))


def downgrade() -> None:
    pass  # the secrets are gone, by design
