"""Feeds and their poll state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from extract.errors import ConfigError
from extract.records import FeedSource
from store.models import Feed
from store.upsert import insert_ignore


def sync_feeds(session: Session, sources: list[FeedSource]) -> None:
    """Make the feeds table match the configuration; removed feeds are disabled, never deleted.

    New feeds are inserted with ON CONFLICT DO NOTHING: two runs syncing one new config at once both succeed.
    """
    known = set(session.scalars(select(Feed.config_url)))
    insert_ignore(session, Feed, [dict(config_url=s.url, url=s.url, name=s.name, language=s.language,
                                       interval_minutes=s.interval_minutes, enabled=True, failures=0, dormant=False,
                                       entry_count=0)
                                  for s in sources if s.url not in known], ["config_url"])
    by_url = {f.config_url: f for f in session.scalars(select(Feed))}
    wanted = {s.url for s in sources}
    for source in sources:
        feed = by_url[source.url]
        feed.name, feed.language, feed.enabled = source.name, source.language, True
        feed.interval_minutes = source.interval_minutes
    for url, feed in by_url.items():
        if url not in wanted:
            feed.enabled = False
    session.flush()


def due_feed_ids(session: Session, now: dt.datetime) -> list[int]:
    """Enabled feeds whose next poll time has come (never-polled feeds first)."""
    rows = session.scalars(
        select(Feed.id)
        .where(Feed.enabled.is_(True), or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now))
        .order_by(Feed.next_poll_at.is_not(None), Feed.next_poll_at, Feed.id)
    )
    return list(rows)


def all_feeds(session: Session) -> list[Feed]:
    return list(session.scalars(select(Feed).order_by(Feed.enabled.desc(), Feed.dormant, Feed.name)))


def poll_now(session: Session, names: list[str] | None = None) -> list[str]:
    """Clear the backoff of the named enabled feeds (all when ``names`` is None): the next run polls them.

    Failure counts and dormancy stay: the poll's outcome decides them, as for any poll.
    """
    query = select(Feed).where(Feed.enabled.is_(True))
    if names is not None:
        query = query.where(Feed.name.in_(names))
    feeds = list(session.scalars(query.order_by(Feed.name)))
    missing = sorted(set(names or []) - {f.name for f in feeds})
    if missing:
        known = list(session.scalars(select(Feed.name).where(Feed.enabled.is_(True)).order_by(Feed.name).limit(5)))
        raise ConfigError(f"no enabled feed named {', '.join(map(repr, missing))}", key="feeds",
                          fix=f"use a name from the feeds file, e.g. {', '.join(map(repr, known)) or '(none yet)'}")
    for feed in feeds:
        feed.next_poll_at = None
    session.flush()
    return [f.name for f in feeds]


@dataclass
class Schedule:
    """Why enabled feeds are not due: counts, and the feed due next."""

    enabled: int
    backing_off: int
    dormant: int
    next_name: str | None
    next_at: dt.datetime | None


def schedule(session: Session) -> Schedule:
    enabled = Feed.enabled.is_(True)
    counts = session.execute(select(
        func.count(), func.coalesce(func.sum(case((and_(Feed.failures > 0, Feed.dormant.is_(False)), 1), else_=0)), 0),
        func.coalesce(func.sum(case((Feed.dormant.is_(True), 1), else_=0)), 0),
    ).where(enabled)).one()
    first = session.execute(select(Feed.name, Feed.next_poll_at).where(enabled, Feed.next_poll_at.is_not(None))
                            .order_by(Feed.next_poll_at).limit(1)).first()
    return Schedule(counts[0], int(counts[1]), int(counts[2]), first[0] if first else None, first[1] if first else None)
