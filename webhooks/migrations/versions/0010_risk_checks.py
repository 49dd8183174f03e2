"""checks asked when only the learned net saw risk, and how each was answered

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False
        ),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("resumes_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=True),
    )
    op.create_index("ix_risk_checks_conversation_id", "risk_checks", ["conversation_id"])
    # The worker looks for open checks that have waited too long.
    op.create_index("ix_risk_checks_open", "risk_checks", ["answer", "asked_at"])


def downgrade() -> None:
    op.drop_index("ix_risk_checks_open", table_name="risk_checks")
    op.drop_index("ix_risk_checks_conversation_id", table_name="risk_checks")
    op.drop_table("risk_checks")
