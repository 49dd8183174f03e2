"""the id of the question an outgoing message asks, and the message it asks again

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from flows import load_flows

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A batch: SQLite can add a column with a foreign key only by rebuilding the table.
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("question_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("asks_again_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_messages_asks_again", "messages", ["asks_again_id"], ["id"])
    name_the_questions_already_asked()


def name_the_questions_already_asked() -> None:
    """Give the messages that asked a question before ids were stored their question's id.

    A conversation open at the upgrade then still has its question asked again after an
    aside. Matched on the flows' wording as it is when the upgrade runs, the one time
    wording is read; words that two questions share are left without an id.
    """
    ids_by_words: dict[str, set[str]] = {}
    for flow in load_flows().values():
        for question in flow.questions:
            for words in question.ask.all():
                ids_by_words.setdefault(words, set()).add(question.id)
    messages = sa.table(
        "messages",
        sa.column("id", sa.Integer),
        sa.column("direction", sa.String),
        sa.column("body", sa.Text),
        sa.column("question_id", sa.String),
    )
    connection = op.get_bind()
    asked: dict[str, list[int]] = {}
    rows = connection.execute(
        sa.select(messages.c.id, messages.c.body).where(messages.c.direction == "out")
    )
    for message_id, body in rows:
        ids = ids_by_words.get(body, set())
        if len(ids) == 1:
            asked.setdefault(next(iter(ids)), []).append(message_id)
    for question_id, message_ids in asked.items():
        connection.execute(
            messages.update().where(messages.c.id.in_(message_ids)).values(question_id=question_id)
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("fk_messages_asks_again", type_="foreignkey")
        batch.drop_column("asks_again_id")
        batch.drop_column("question_id")
