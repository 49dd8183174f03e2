"""structured referrals: outcome, scores, skipped answers with times, consents

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(
            sa.Column("outcome", sa.String(length=16), nullable=False, server_default="complete")
        )
        batch.add_column(sa.Column("perspective", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("scores", sa.JSON(), nullable=True))
    with op.batch_alter_table("referral_answers") as batch:
        batch.add_column(
            sa.Column("skipped", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("section", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consents_referral_id", "consents", ["referral_id"])


def downgrade() -> None:
    op.drop_index("ix_consents_referral_id", table_name="consents")
    op.drop_table("consents")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("outcome")
    with op.batch_alter_table("referral_answers") as batch:
        batch.drop_column("answered_at")
        batch.drop_column("section")
        batch.drop_column("skipped")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("scores")
        batch.drop_column("perspective")
        batch.drop_column("outcome")
