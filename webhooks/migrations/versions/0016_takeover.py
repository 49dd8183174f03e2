"""a practitioner can take a conversation over and write to the person themselves

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("held_by_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("held_by_name", sa.String(120), nullable=True))
        batch.add_column(sa.Column("held_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("author", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("author")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("held_until")
        batch.drop_column("held_by_name")
        batch.drop_column("held_by_key")
