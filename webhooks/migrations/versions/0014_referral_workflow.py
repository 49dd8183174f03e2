"""referrals are owned and worked to a close, with their history and an audit trail

Completeness moves out of `status` (which was "new" or "incomplete") into `complete`, so a
referral stopped part way can be claimed and worked like any other.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(
            sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("owner_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("owner_name", sa.String(120), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_as", sa.String(32), nullable=True))
        batch.add_column(sa.Column("closed_detail", sa.String(300), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(120), nullable=True))
        batch.create_index("ix_referrals_owner_key", ["owner_key"])
    referrals = sa.table("referrals", sa.column("status", sa.String), sa.column("complete"))
    op.execute(
        referrals.update()
        .where(referrals.c.status == "incomplete")
        .values(status="new", complete=sa.false())
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("name", sa.String(120), nullable=True))
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referral_id", sa.Integer(), sa.ForeignKey("referrals.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_key", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_referral_events_referral_id", "referral_events", ["referral_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_key", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(120), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_events_team_at", "audit_events", ["team_id", "at"])
    op.create_index("ix_audit_events_referral_id", "audit_events", ["referral_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_referral_id", "audit_events")
    op.drop_index("ix_audit_events_team_at", "audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_referral_events_referral_id", "referral_events")
    op.drop_table("referral_events")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("name")
    referrals = sa.table("referrals", sa.column("status", sa.String), sa.column("complete"))
    op.execute(
        referrals.update().where(referrals.c.complete == sa.false()).values(status="incomplete")
    )
    with op.batch_alter_table("referrals") as batch:
        batch.drop_index("ix_referrals_owner_key")
        for column in (
            "acknowledged_by",
            "closed_at",
            "closed_detail",
            "closed_as",
            "claimed_at",
            "owner_name",
            "owner_key",
            "complete",
        ):
            batch.drop_column(column)
