"""Which facts go to whom: facts × subscriber filters → pending deliveries (the outbox).

A delivery row exists at most once per (subscriber, fact) — the unique key and
INSERT .. ON CONFLICT DO NOTHING make ``enqueue`` safe to run twice, or in two
processes at once. A fact that reaches a subscriber's ``min_sources`` later (more
outlets carry it) is enqueued on the run that sees it reach it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from store.models import Delivery, Fact, Subscriber
from store.upsert import insert_ignore

BACKFILL = dt.timedelta(days=1)  # a new subscriber gets the facts of the day before it subscribed, no older


def matches(fact: Fact, subscriber: Subscriber) -> bool:
    """Whether ``fact`` passes the subscriber's filters (technologies, plans, languages, min_sources)."""
    if subscriber.technologies and not set(subscriber.technologies) & set(fact.technologies or ()):
        return False
    if subscriber.plans and not set(subscriber.plans) & set(fact.plans or ()):
        return False
    if subscriber.languages and (fact.language or "") not in subscriber.languages:
        return False
    return (fact.source_count or 0) >= (subscriber.min_sources or 1)


def receiving(session: Session) -> list[Subscriber]:
    """Subscribers that get alerts now: active and not muted."""
    return list(session.scalars(
        select(Subscriber).where(Subscriber.active.is_(True), Subscriber.muted.is_(False)).order_by(Subscriber.id)))


def enqueue(session: Session, now: dt.datetime) -> int:
    """Write pending deliveries for matching facts each subscriber has not had; returns rows added."""
    added = 0
    for sub in receiving(session):
        had = exists().where(Delivery.subscriber_id == sub.id, Delivery.fact_id == Fact.id)
        facts = session.scalars(
            select(Fact).where(Fact.first_seen_at >= sub.created_at - BACKFILL,
                               Fact.source_count >= (sub.min_sources or 1), ~had)
            .order_by(Fact.first_seen_at, Fact.id)
        )
        rows = [
            dict(subscriber_id=sub.id, fact_id=fact.id, kind="revision" if fact.revises_id else "new",
                 mode=sub.mode, status="pending", attempts=0, created_at=now)
            for fact in facts if matches(fact, sub)
        ]
        added += insert_ignore(session, Delivery, rows, ["subscriber_id", "fact_id"])
    session.flush()
    return added
