"""Feed entries: what was seen, and which still need their page fetched."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from extract.cleantext import clean_line
from extract.records import FeedEntry
from store.models import Article, Entry
from store.upsert import insert_ignore

_ENTRIES = Entry.__table__
_LINK = (update(_ENTRIES).where(_ENTRIES.c.id == bindparam("entry_id"))
         .values(article_id=bindparam("article_id"), status="done"))
_STORED = (update(_ENTRIES).where(_ENTRIES.c.id == bindparam("entry_id"))
           .values(attempts=_ENTRIES.c.attempts + 1, article_id=bindparam("article_id"), status="done",
                   error=bindparam("error")))


def add_entries(session: Session, feed_id: int, entries: list[FeedEntry], canonical: dict[str, str]) -> int:
    """Record entries not seen before in this feed; returns how many were new.

    ``canonical`` maps an entry link to its canonical URL. An entry whose link is
    missing (or was not http(s)) is recorded as 'skipped'. Call ``link_known_articles``
    after a batch, so entries whose page is already stored are not fetched again.
    """
    rows = []
    for entry in entries:
        canon = canonical.get(entry.link) if entry.link else None
        rows.append(
            dict(feed_id=feed_id, key=entry.key[:1024], link=entry.link, canonical_url=canon,
                 title=clean_line(entry.title), published=entry.published,
                 status="new" if canon else "skipped", error=None if canon else "entry has no http(s) link",
                 attempts=0)
        )
    return insert_ignore(session, Entry, rows, ["feed_id", "key"])


def link_known_articles(session: Session) -> None:
    """Entries whose canonical URL is already stored need no fetch: link them and mark them done."""
    pending = session.scalars(select(Entry).where(Entry.status == "new")).all()
    if not pending:
        return
    urls = {e.canonical_url for e in pending}
    known = dict(session.execute(select(Article.canonical_url, Article.id).where(Article.canonical_url.in_(urls))).all())
    for entry in pending:
        if entry.canonical_url in known:
            entry.article_id, entry.status = known[entry.canonical_url], "done"


def link_entry(session: Session, entry_id: int, article_id: int) -> None:
    """The entry's page was stored from another entry (or by another worker): link it, done, no attempt counted."""
    session.execute(_LINK, {"entry_id": entry_id, "article_id": article_id})


def mark_stored(session: Session, entry_id: int, article_id: int, error: str | None) -> None:
    """The entry's page was just stored as ``article_id`` (``error``: why it has no text, if so): one attempt, done."""
    session.execute(_STORED, {"entry_id": entry_id, "article_id": article_id, "error": error})


def pending_entries(session: Session, limit: int, max_attempts: int = 3) -> list[Entry]:
    """Entries still to fetch, oldest first, one per canonical URL."""
    rows = session.scalars(
        select(Entry).where(Entry.status == "new", Entry.attempts < max_attempts).order_by(Entry.id)
    ).all()
    seen: set[str] = set()
    picked = []
    for entry in rows:
        if entry.canonical_url in seen:
            continue
        seen.add(entry.canonical_url)
        picked.append(entry)
        if len(picked) >= limit:
            break
    return picked


def quarantined_entries(session: Session, limit: int = 50) -> list[Entry]:
    """Entries a stage failed on for good (status 'failed'), newest first — for operators."""
    return list(session.scalars(select(Entry).where(Entry.status == "failed").order_by(Entry.id.desc()).limit(limit)))
