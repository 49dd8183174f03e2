"""Twenty practitioners pressing "claim next" at once over a hundred referrals: each
referral is claimed exactly once, and nobody waits on another's row (SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timezone

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.gateway.conftest import make_referral
from webhooks.db import work
from webhooks.db.models import Referral

CLAIMERS = 20
REFERRALS = 100
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def test_concurrent_claim_next_claims_every_referral_exactly_once(engine: Engine) -> None:
    with Session(engine) as session:
        for number in range(REFERRALS):
            make_referral(session, "south-essex", name=f"Person {number}")
    start = threading.Barrier(CLAIMERS)
    claimed: dict[int, list[int]] = {claimer: [] for claimer in range(CLAIMERS)}
    errors: list[BaseException] = []

    def claim_until_none(claimer: int) -> None:
        actor = work.Actor(f"token:{claimer}", f"Claimer {claimer}")
        try:
            start.wait()
            while True:
                with Session(engine) as session:
                    found = work.claim_next(session, "south-essex", actor, NOW)
                    session.commit()
                    if found is None:
                        return
                    claimed[claimer].append(found.id)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=claim_until_none, args=(n,)) for n in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    counts = Counter(referral for taken in claimed.values() for referral in taken)
    assert len(counts) == REFERRALS
    assert set(counts.values()) == {1}
    with Session(engine) as session:
        owners = dict(session.execute(select(Referral.id, Referral.owner_key)).all())
    for claimer, taken in claimed.items():
        assert all(owners[referral] == f"token:{claimer}" for referral in taken)
    # Work was shared out, not taken by whoever came first.
    assert sum(1 for taken in claimed.values() if taken) > 1
