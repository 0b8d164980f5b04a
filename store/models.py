"""SQLAlchemy 2 models: one table per entity of DESIGN.md."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class Feed(Base):
    """A configured feed and its poll state."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    config_url: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=30)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    next_poll_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_warning: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    dormant: Mapped[bool] = mapped_column(Boolean, default=False)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Entry(Base):
    """An item seen in a feed; identity is (feed, key)."""

    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("feed_id", "key", name="uq_entries_feed_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(1024))
    link: Mapped[str | None] = mapped_column(String(2048))
    canonical_url: Mapped[str | None] = mapped_column(String(2048), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="new")  # new | done | skipped | error | failed
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Article(Base):
    """A fetched page, identified by its canonical URL."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    host: Mapped[str] = mapped_column(String(255), default="")
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[dt.date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok | no_text | error
    error: Mapped[str | None] = mapped_column(Text)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # text cut at the cap
    plans: Mapped[list] = mapped_column(JSON, default=list)
    technologies: Mapped[list] = mapped_column(JSON, default=list)
    fingerprint: Mapped[int | None] = mapped_column(BigInteger)
    band0: Mapped[int | None] = mapped_column(Integer, index=True)
    band1: Mapped[int | None] = mapped_column(Integer, index=True)
    band2: Mapped[int | None] = mapped_column(Integer, index=True)
    band3: Mapped[int | None] = mapped_column(Integer, index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    duplicate_of: Mapped["Article | None"] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    mentions: Mapped[list["Mention"]] = relationship(back_populates="article", cascade="all, delete-orphan")
    figures: Mapped[list["Figure"]] = relationship(back_populates="article", cascade="all, delete-orphan")


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("article_id", "kind", "key", "term", name="uq_mentions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # plan | technology
    key: Mapped[str] = mapped_column(String(64))
    term: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, default=1)

    article: Mapped[Article] = relationship(back_populates="mentions")


class Fact(Base):
    """A distinct figure, keyed by ``match_key`` (concept, unit, value, year, kind, plan: see store.facts).

    ``revises_id`` points at the fact it replaces; ``series_key`` (no value, no year) finds it.
    """

    __tablename__ = "facts"
    __table_args__ = (Index("ix_facts_lookup", "unit", "value_key", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    subject_key: Mapped[str] = mapped_column(String(512), default="", index=True)
    unit: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    value_key: Mapped[str] = mapped_column(String(64))
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    qualifier: Mapped[str | None] = mapped_column(String(16))
    year: Mapped[int | None] = mapped_column(Integer)
    alt_value: Mapped[float | None] = mapped_column(Float)
    alt_unit: Mapped[str | None] = mapped_column(String(32))
    technologies: Mapped[list] = mapped_column(JSON, default=list)
    plans: Mapped[list] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(16))
    phrase: Mapped[str] = mapped_column(Text, default="")
    sentence: Mapped[str] = mapped_column(Text, default="")
    first_article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    source_count: Mapped[int] = mapped_column(Integer, default=1)
    revises_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id"))
    concept_key: Mapped[str] = mapped_column(String(128), default="")
    kind: Mapped[str] = mapped_column(String(16), default="")
    plan: Mapped[str] = mapped_column(String(8), default="")
    match_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    loose_key: Mapped[str] = mapped_column(String(400), default="", index=True)  # match_key without the year
    series_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    first_article: Mapped[Article] = relationship(foreign_keys=[first_article_id])
    revises: Mapped["Fact | None"] = relationship(remote_side=[id])


class Figure(Base):
    """A figure as found in one article; ``fact_id`` links it to its distinct fact."""

    __tablename__ = "figures"
    __table_args__ = (UniqueConstraint("article_id", "ordinal", name="uq_figures_article_ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    fact_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id", ondelete="SET NULL"), index=True)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    qualifier: Mapped[str | None] = mapped_column(String(16))
    year: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text, default="")
    technologies: Mapped[list] = mapped_column(JSON, default=list)
    sentence: Mapped[str] = mapped_column(Text, default="")
    phrase: Mapped[str] = mapped_column(Text, default="")
    alt_value: Mapped[float | None] = mapped_column(Float)
    alt_unit: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="")
    start_offset: Mapped[int | None] = mapped_column(Integer)  # the phrase in the article text
    end_offset: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(16))
    concept_key: Mapped[str] = mapped_column(String(128), default="")
    plan: Mapped[str] = mapped_column(String(8), default="")
    previous_value: Mapped[float | None] = mapped_column(Float)  # 'from 10 to 15 trillion': 10

    article: Mapped[Article] = relationship(back_populates="figures")


class FactSource(Base):
    """One article that carries a fact (the first copy and every corroboration)."""

    __tablename__ = "fact_sources"
    __table_args__ = (UniqueConstraint("fact_id", "article_id", name="uq_fact_sources"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(255), default="")
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    slack_connection: Mapped[str | None] = mapped_column(String(200))
    technologies: Mapped[list] = mapped_column(JSON, default=list)
    plans: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    min_sources: Mapped[int] = mapped_column(Integer, default=1)
    mode: Mapped[str] = mapped_column(String(16), default="instant")  # instant | digest
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once removed from the config
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Delivery(Base):
    """The outbox: one row per (subscriber, fact), written before anything is sent."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "fact_id", name="uq_deliveries_subscriber_fact"),
        Index("ix_deliveries_status", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="new")  # new | revision
    mode: Mapped[str] = mapped_column(String(16), default="instant")  # instant | digest | rollup
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    batch: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    subscriber: Mapped[Subscriber] = relationship()
    fact: Mapped[Fact] = relationship()


class OperatorNotice(Base):
    """A failed DAG run already reported to operators (once per run, not per retry)."""

    __tablename__ = "operator_notices"
    __table_args__ = (UniqueConstraint("dag_id", "run_id", name="uq_operator_notices"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
