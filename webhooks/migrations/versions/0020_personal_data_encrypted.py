"""personal data encrypted at rest; phone numbers and contacts found by keyed hashes

Message bodies, answers (and the question as asked), contacts and phone numbers, notes,
the words risk was found in and document names are rewritten as Fernet tokens under
TRIAGE_DATA_KEYS; contacts and phone numbers get HMAC columns under TRIAGE_LOOKUP_KEY to be
found by, and referrals get the keyed search terms the queue's search reads. Rows are
rewritten a batch at a time. The keys are read from the environment when the command
running the migration has not set them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from webhooks.db import crypto
from webhooks.db.search_terms import terms_for

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BATCH = 1000
# Each table's primary key and the columns that hold what a person told us.
ENCRYPTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "conversations": ("id", ("contact_key", "phone", "follow_up_note")),
    "messages": ("id", ("body",)),
    "referrals": ("id", ("closed_detail",)),
    "referral_events": ("id", ("note",)),
    "referral_answers": ("id", ("prompt", "display", "value")),
    "risk_flags": ("id", ("evidence",)),
    "documents": ("id", ("filename",)),
}


def upgrade() -> None:
    crypto.keys()  # fails first, naming the variables, if the keys are not set
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("contact_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("phone_hash", sa.String(64), nullable=True))
        batch.alter_column("contact_key", type_=sa.Text(), existing_type=sa.String(64))
        batch.alter_column("phone", type_=sa.Text(), existing_type=sa.String(20))
        batch.drop_index("ix_conversations_lookup")
        batch.drop_index("ix_conversations_phone")
    with op.batch_alter_table("referrals") as batch:
        batch.alter_column("closed_detail", type_=sa.Text(), existing_type=sa.String(300))
        batch.add_column(sa.Column("search_terms", sa.Text(), nullable=False, server_default=" "))
    with op.batch_alter_table("referral_answers") as batch:
        batch.alter_column(
            "value", type_=sa.Text(), existing_type=sa.JSON(), postgresql_using="value::text"
        )
    with op.batch_alter_table("risk_flags") as batch:
        batch.alter_column(
            "evidence",
            type_=sa.Text(),
            existing_type=sa.JSON(),
            postgresql_using="evidence::text",
        )
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("filename", type_=sa.Text(), existing_type=sa.String(200))

    _fill_search_terms()
    for table, (key, columns) in ENCRYPTED.items():
        _rewrite(table, key, columns, crypto.encrypt)
    _fill_hashes()
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("contact_hash", nullable=False, existing_type=sa.String(64))
        batch.create_index(
            "ix_conversations_lookup", ["team_id", "channel", "contact_hash"], unique=False
        )
        batch.create_index("ix_conversations_phone_hash", ["phone_hash"], unique=False)
    _rebuild_opt_outs()


def downgrade() -> None:
    # Not only these tables: since this version Rasa's conversations, the spool and
    # documents are encrypted under the data keys too, which no earlier version reads.
    raise RuntimeError(
        "0020 cannot be undone: since it, Rasa's conversations, the spool and documents are "
        "encrypted under TRIAGE_DATA_KEYS. Restore the backup taken before upgrading."
    )


def _batches(table: str, key: str, columns: tuple[str, ...]) -> Any:
    """Rows a batch at a time, in key order (the keys are never rewritten)."""
    bind = op.get_bind()
    selected = sa.table(table, sa.column(key), *[sa.column(c) for c in columns])
    last: Any = None
    while True:
        query = sa.select(selected).order_by(selected.c[key]).limit(BATCH)
        if last is not None:
            query = query.where(selected.c[key] > last)
        rows = bind.execute(query).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _rewrite(
    table: str, key: str, columns: tuple[str, ...], transform: Callable[[str], str]
) -> None:
    bind = op.get_bind()
    target = sa.table(table, sa.column(key), *[sa.column(c) for c in columns])
    for rows in _batches(table, key, columns):
        for row in rows:
            values = {
                column: None if row[i + 1] is None else transform(str(row[i + 1]))
                for i, column in enumerate(columns)
            }
            bind.execute(sa.update(target).where(target.c[key] == row[0]).values(**values))


def _fill_hashes() -> None:
    bind = op.get_bind()
    target = sa.table(
        "conversations",
        sa.column("id"),
        sa.column("contact_hash"),
        sa.column("phone_hash"),
    )
    for rows in _batches("conversations", "id", ("contact_key", "phone")):
        for row in rows:
            contact = crypto.decrypt(row[1])
            phone = crypto.decrypt(row[2]) if row[2] is not None else None
            bind.execute(
                sa.update(target)
                .where(target.c.id == row[0])
                .values(
                    contact_hash=crypto.lookup_hash(contact),
                    phone_hash=crypto.lookup_hash(phone) if phone is not None else None,
                )
            )


def _fill_search_terms() -> None:
    """From the answers as they are before encryption: the name and the phone number given."""
    bind = op.get_bind()
    answers = sa.table(
        "referral_answers",
        sa.column("referral_id"),
        sa.column("question_id"),
        sa.column("display"),
        sa.column("value"),
        sa.column("skipped"),
    )
    referrals = sa.table("referrals", sa.column("id"), sa.column("search_terms"))
    for rows in _batches("referrals", "id", ()):
        for (referral_id,) in rows:
            given = bind.execute(
                sa.select(
                    answers.c.question_id, answers.c.display, answers.c.value, answers.c.skipped
                )
                .where(answers.c.referral_id == referral_id)
                .where(answers.c.question_id.in_(("full_name", "contact_number")))
            ).all()
            terms = terms_for(
                (str(q), str(d or ""), json.loads(v).get("v") if v else None, bool(s))
                for q, d, v, s in given
            )
            bind.execute(
                sa.update(referrals).where(referrals.c.id == referral_id).values(search_terms=terms)
            )


def _rebuild_opt_outs() -> None:
    """Opt-outs are few: copied into a table of the new shape (its unique constraint
    changes column, which SQLite cannot alter in place)."""
    bind = op.get_bind()
    old = sa.table(
        "opt_outs",
        sa.column("team_id"),
        sa.column("channel"),
        sa.column("contact_key"),
        sa.column("opted_out"),
        sa.column("changed_at"),
    )
    rows = bind.execute(sa.select(old)).all()
    op.drop_table("opt_outs")
    table = op.create_table(
        "opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("contact_key", sa.Text(), nullable=False),
        sa.Column("contact_hash", sa.String(length=64), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "channel", "contact_hash"),
    )
    for team_id, channel, contact_key, opted_out, changed_at in rows:
        bind.execute(
            sa.insert(table).values(
                team_id=team_id,
                channel=channel,
                contact_key=crypto.encrypt(contact_key),
                contact_hash=crypto.lookup_hash(contact_key),
                opted_out=opted_out,
                changed_at=changed_at,
            )
        )
