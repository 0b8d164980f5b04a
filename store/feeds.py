"""Feeds and their poll state."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from extract.records import FeedSource
from store.models import Feed


def sync_feeds(session: Session, sources: list[FeedSource]) -> None:
    """Make the feeds table match the configuration; removed feeds are disabled, never deleted."""
    by_url = {f.config_url: f for f in session.scalars(select(Feed))}
    wanted = {s.url for s in sources}
    for source in sources:
        feed = by_url.get(source.url)
        if feed is None:
            session.add(Feed(config_url=source.url, url=source.url, name=source.name, language=source.language,
                             interval_minutes=source.interval_minutes, enabled=True, failures=0, dormant=False,
                             entry_count=0))
        else:
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
