"""risk shown with no referral alerts the duty practitioner too; "also to contact" closes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("followed_up_by", sa.String(120), nullable=True))
        batch.add_column(sa.Column("follow_up_note", sa.Text(), nullable=True))
    with op.batch_alter_table("alerts") as batch:
        batch.alter_column("referral_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("conversation_id", sa.String(36), nullable=True))
        batch.create_foreign_key(
            "fk_alerts_conversation_id_conversations",
            "conversations",
            ["conversation_id"],
            ["id"],
        )
        batch.create_index("ix_alerts_conversation_id", ["conversation_id"])


def downgrade() -> None:
    op.execute("DELETE FROM alerts WHERE referral_id IS NULL")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("ix_alerts_conversation_id")
        batch.drop_constraint("fk_alerts_conversation_id_conversations", type_="foreignkey")
        batch.drop_column("conversation_id")
        batch.alter_column("referral_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("follow_up_note")
        batch.drop_column("followed_up_by")
        batch.drop_column("followed_up_at")
