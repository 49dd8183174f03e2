"""`triage keys rotate`: everything stored under the newest key, so older keys can go."""

from __future__ import annotations

import os
from pathlib import Path

import click
from sqlalchemy.orm import sessionmaker

from webhooks.cli.common import database_url_from_env, engine_from_env
from webhooks.config import DEFAULT_VAR_DIR, ConfigError, fernet_keys, optional_secret
from webhooks.core import spool
from webhooks.db import crypto, rotation
from webhooks.dev.rasa_events_keys import RasaEventUnreadable, reencrypt_rasa_events
from webhooks.documents.cipher import DocumentCipher, DocumentUnreadable, derived_key


@click.group()
def keys() -> None:
    """The keys personal data is encrypted with at rest."""


@keys.command("rotate")
@click.option("--batch", default=rotation.BATCH, show_default=True, help="Rows per commit.")
def rotate(batch: int) -> None:
    """Re-encrypt what is stored (database, Rasa's conversations, documents, the spool)
    under the newest of TRIAGE_DATA_KEYS and TRIAGE_DOCUMENT_KEYS.

    Put the new key first, restart every process, run this, then remove the old key.
    Stopped part way, it loses nothing: run it again to finish."""
    if batch < 1:
        raise click.BadParameter("give at least 1", param_hint="--batch")
    engine = engine_from_env()
    data = crypto.keys()
    try:
        stored = rotation.rotate_columns(engine, batch)
        for table, count in stored.counts.items():
            click.echo(f"{table}: {count} rewritten")
        documents = rotation.rotate_documents(
            sessionmaker(bind=engine, expire_on_commit=False), _document_cipher(data), batch
        )
        click.echo(f"document files: {documents} rewritten")
        events = reencrypt_rasa_events(
            database_url_from_env(), data.cipher, batch, newest=data.newest
        )
        click.echo(f"Rasa's conversation events: {events} rewritten")
    except (crypto.Undecryptable, DocumentUnreadable, RasaEventUnreadable) as error:
        raise click.ClickException(
            f"{error} Nothing is lost: add the missing key and run this again."
        ) from error
    finally:
        engine.dispose()
    rewritten, unreadable = _rotate_spool()
    click.echo(f"spooled files: {rewritten} rewritten")
    if unreadable:
        raise click.ClickException(
            f"{unreadable} spooled file(s) open with none of the keys: add the missing key "
            "and run this again (nothing was lost)."
        )
    click.echo("Everything is under the newest key: the older keys can now be removed.")


def _document_cipher(data: crypto.DataKeys) -> DocumentCipher:
    """As the gateway opens documents: its document keys (else the data keys), then the
    key earlier versions derived from SECRET_KEY, for documents stored by them."""
    try:
        document_keys = fernet_keys(os.environ, "TRIAGE_DOCUMENT_KEYS")
        secret_key = optional_secret(os.environ, "SECRET_KEY")
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    legacy = [derived_key(secret_key)] if secret_key else []
    return DocumentCipher([*(document_keys or data.fernet_keys), *legacy])


def _rotate_spool() -> tuple[int, int]:
    """Each file waiting in the spool under the newest key: (rewritten, unreadable).

    Each is claimed first, as the worker claims what it stores, so the two never touch one
    file at once; one the worker holds is left for the next run. Files set aside (kept for
    a person because they could not be read) are left as they are."""
    directory = Path(os.environ.get("TRIAGE_SPOOL_DIR", "").strip() or DEFAULT_VAR_DIR / "spool")
    rewritten = unreadable = 0
    for path in spool.waiting(directory):
        claimed = spool.claim(path)
        if claimed is None:
            continue
        try:
            rewritten += spool.rotate_file(claimed)
        except (ValueError, OSError):
            unreadable += 1
        finally:
            spool.unclaim(claimed)
    return rewritten, unreadable
