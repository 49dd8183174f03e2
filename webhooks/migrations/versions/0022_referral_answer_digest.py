"""referral answer digest: later answers join a sent referral without reading back the rest

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 02:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Answers stored before it have none: the next hand-over that holds them writes them
    # once more, with their digest.
    with op.batch_alter_table("referral_answers") as batch:
        batch.add_column(sa.Column("digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referral_answers") as batch:
        batch.drop_column("digest")
