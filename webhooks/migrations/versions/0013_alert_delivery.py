"""alerts reach a pathway's duty practitioner, and record what Twilio says of delivery

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("pathway", sa.String(64), nullable=True))
        batch.add_column(sa.Column("delivery", sa.String(16), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("provider_id", sa.String(64), nullable=True))
        batch.create_index("ix_alerts_provider_id", ["provider_id"])


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("ix_alerts_provider_id")
        batch.drop_column("provider_id")
        batch.drop_column("delivered_at")
        batch.drop_column("delivery")
        batch.drop_column("pathway")
