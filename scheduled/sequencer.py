"""The audit sequencer: every second, chain the audit events committed since the last run.

One process does it at a time (a lease row, renewed each run); should two ever run at once,
`storage.audit.seal` makes them take turns on the head row and never chains an event
twice. Without MUSTER_AUDIT_KEY nothing is chained (`muster run` refuses to start then).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from bot.app import App
from scheduled import lease
from storage import audit

log = logging.getLogger(__name__)

LEASE = "audit-sequencer"
INTERVAL_SECONDS = 1
TTL = timedelta(seconds=10)  # another process takes over this long after this one stops
BATCH = 2000


async def seal_pending(app: App, *, holder: str | None = None, batch: int = BATCH) -> int:
    """Chain every committed unchained event, in batches; how many were chained (0 when
    another process holds the sequencer lease)."""
    key = app.settings.audit_key_bytes
    if key is None:
        log.error("MUSTER_AUDIT_KEY is not set: audit events are not chained")
        return 0
    holder = holder or lease.holder_id()
    total = 0
    while True:
        async with app.sessionmaker() as session:
            try:
                await lease.acquire(session, LEASE, holder, app.clock.now(), TTL)
            except (lease.LeaseHeld, IntegrityError):  # IntegrityError: both took it at once
                return total
            n = await audit.seal(session, key, batch=batch)
            await session.commit()
        total += n
        if n < batch:
            return total


async def run_sequencer(app: App) -> int:
    """The scheduler job: chain what has been committed."""
    return await seal_pending(app)
