"""team leads: reassign referrals and read the audit

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("practitioners") as batch:
        batch.add_column(
            sa.Column("role", sa.String(16), nullable=False, server_default="practitioner")
        )


def downgrade() -> None:
    with op.batch_alter_table("practitioners") as batch:
        batch.drop_column("role")
