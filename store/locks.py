"""Transaction-scoped locks that serialize the few writes two workers must not interleave."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

STORIES = 0x706C_616E_7374  # "planst": deciding which stored story an article copies and which facts it states
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def lock_stories(session: Session) -> None:
    """Hold the story lock until this transaction ends (PostgreSQL advisory lock; re-entrant).

    Two workers storing the same story from two feeds, or two sightings of one new figure, would each
    miss the other's uncommitted rows and create two facts. Under this lock the second waits, then reads
    the first's committed rows (READ COMMITTED). SQLite needs nothing: it admits one writer at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK, {"key": STORIES})
