"""documents stored in parts

A file is encrypted and stored a part at a time, and downloaded the same way, so no
process holds a whole file (up to 50 MiB) in memory. Files stored earlier stay whole in
documents.encrypted (parts is NULL) and are still read.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("parts", sa.Integer(), nullable=True))
    op.create_table(
        "document_parts",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("encrypted", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", "number"),
    )


def downgrade() -> None:
    stored_in_parts = op.get_bind().scalar(sa.text("SELECT count(*) FROM document_parts"))
    if stored_in_parts:
        raise RuntimeError(
            "Some documents are stored in parts, which the earlier version cannot read: "
            "downgrading would lose them."
        )
    op.drop_table("document_parts")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("parts")
