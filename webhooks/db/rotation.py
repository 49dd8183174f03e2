"""Re-encrypting what is stored under the newest key (`triage keys rotate`).

Every column whose type is encrypted (read from the models, so a column encrypted later is
rotated too) and every document is rewritten under the newest key, a batch at a time, each
batch committed: a run stopped part way loses nothing, and running it again carries on
(what the newest key already opens is skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Table, select, update
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session

from webhooks.db import crypto
from webhooks.db.crypto import EncryptedJSON, EncryptedText
from webhooks.db.models import Base, Document, DocumentPart
from webhooks.documents.cipher import DocumentCipher

BATCH = 500


@dataclass(frozen=True)
class Rotated:
    """How many stored values one run rewrote, by table."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def encrypted_columns() -> Iterator[tuple[Table, list[Column[str]]]]:
    """Each table with encrypted columns, and those columns."""
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedText | EncryptedJSON)]
        if columns:
            yield table, columns


def rotate_columns(engine: Engine, batch: int = BATCH) -> Rotated:
    """Every encrypted column of every table under the newest data key."""
    counts: dict[str, int] = {}
    for table, columns in encrypted_columns():
        counts[table.name] = _rotate_table(engine, table, columns, batch)
    return Rotated(counts)


def _rotate_table(engine: Engine, table: Table, columns: list[Column[str]], batch: int) -> int:
    [primary] = table.primary_key.columns
    # The same table without column types: the stored tokens themselves are read and
    # written, not what the encrypted types would decrypt them to.
    stored = sql_table(table.name, sql_column(primary.name), *[sql_column(c.name) for c in columns])
    key = stored.c[primary.name]
    rewritten = 0
    last: object = None
    while True:
        query = select(stored).order_by(key).limit(batch)
        if last is not None:
            query = query.where(key > last)
        with engine.begin() as connection:
            rows = connection.execute(query).all()
            for row in rows:
                changed = {
                    column.name: crypto.rotate(value)
                    for column, value in zip(columns, row[1:], strict=True)
                    if value is not None and not crypto.is_current(value)
                }
                if changed:
                    # Only if each value is still the token read: one a process wrote
                    # meanwhile (under the newest key already) is left as it is.
                    unchanged = [
                        stored.c[column.name] == value
                        for column, value in zip(columns, row[1:], strict=True)
                        if column.name in changed
                    ]
                    done = connection.execute(
                        update(stored).where(key == row[0], *unchanged).values(**changed)
                    )
                    rewritten += done.rowcount
        if len(rows) < batch:
            return rewritten
        last = rows[-1][0]


def rotate_documents(
    session_factory: Callable[[], Session], cipher: DocumentCipher, batch: int = BATCH
) -> int:
    """Every document under the newest document key; how many were rewritten."""
    rewritten = 0
    last = 0
    while True:
        with session_factory() as session:
            ids = session.scalars(
                select(Document.id).where(Document.id > last).order_by(Document.id).limit(batch)
            ).all()
            for document_id in ids:
                document = session.get(Document, document_id)
                assert document is not None
                if document.parts is not None:
                    rewritten += _rotate_parts(session, document_id, cipher)
                elif not cipher.is_current(document.encrypted):
                    document.encrypted = cipher.rotate(document.encrypted)
                    rewritten += 1
            session.commit()
        if len(ids) < batch:
            return rewritten
        last = ids[-1]


def _rotate_parts(session: Session, document_id: int, cipher: DocumentCipher) -> int:
    """A file stored in parts, re-encrypted a part at a time, each part committed on its
    own: one part held in memory, and (on SQLite) the write lock held only for the moment
    each is written, so people's turns go on meanwhile. 1 if any part was rewritten."""
    rewritten = 0
    number = 0
    while True:
        where = (DocumentPart.document_id == document_id, DocumentPart.number == number)
        token = session.scalar(select(DocumentPart.encrypted).where(*where))
        if token is None:
            return min(rewritten, 1)
        if not cipher.is_current(token):
            session.execute(
                update(DocumentPart).where(*where).values(encrypted=cipher.rotate(token))
            )
            rewritten += 1
        session.commit()
        number += 1
