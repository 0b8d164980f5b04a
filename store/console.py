"""What the operators' console shows: facts, trends, feeds, deliveries, and the two write actions.

Every function takes a session and returns plain dataclasses, so the web app never sees a row.
Filters are dataclasses too (``FactFilter``): a new filter is one field and one clause here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import String, case, cast, func, select, update
from sqlalchemy.orm import Session, aliased

from store.models import Article, Delivery, Fact, FactSource, Feed, Figure, Mention, Subscriber

FACT_KINDS = ("new", "revised")
DELIVERY_STATES = ("pending", "sent", "failed")
FEED_SORTS = ("health", "name", "last_success", "failures", "entries", "next_poll")


@dataclass
class FactFilter:
    """Which facts to list; every field is optional."""

    technology: str | None = None
    plan: str | None = None
    language: str | None = None
    kind: str | None = None  # new | revised
    since: dt.date | None = None
    until: dt.date | None = None
    min_sources: int | None = None
    q: str | None = None  # full-text query over fact subjects and sentences (store.search)
    limit: int = 50
    offset: int = 0


@dataclass
class FactRow:
    id: int
    phrase: str
    value: float
    unit: str
    low: float | None
    high: float | None
    qualifier: str | None
    year: int | None
    alt_value: float | None
    alt_unit: str | None
    subject: str
    technologies: list[str]
    plans: list[str]
    language: str | None
    kind: str
    revises_id: int | None
    sources: int
    first_seen_at: dt.datetime
    url: str
    host: str

    def as_json(self) -> dict:
        data = asdict(self)
        data["first_seen_at"] = self.first_seen_at.isoformat()
        return data


@dataclass
class FactPage:
    facts: list[FactRow]
    has_more: bool
    filter: FactFilter


@dataclass
class Sighting:
    outlet: str
    title: str
    published: dt.date | None
    sentence: str
    phrase: str
    url: str
    seen_at: dt.datetime

    def as_json(self) -> dict:
        return {**asdict(self), "published": self.published.isoformat() if self.published else None,
                "seen_at": self.seen_at.isoformat()}


@dataclass
class FactDetail:
    fact: FactRow
    sentence: str
    sightings: list[Sighting]
    history: list[FactRow]  # oldest first, this fact included: each revises the one before

    def as_json(self) -> dict:
        return {**self.fact.as_json(), "sentence": self.sentence,
                "sightings": [s.as_json() for s in self.sightings],
                "history": [h.as_json() for h in self.history]}


def _json_contains(column, item: str):
    """``item`` is one element of the JSON list in ``column`` (portable: SQLite and PostgreSQL)."""
    return cast(column, String).like(f"%{json.dumps(item)}%")


def _fact_clauses(flt: FactFilter) -> list:
    clauses = []
    if flt.technology:
        clauses.append(_json_contains(Fact.technologies, flt.technology))
    if flt.plan:
        clauses.append(_json_contains(Fact.plans, flt.plan))
    if flt.language:
        clauses.append(Fact.language == flt.language)
    if flt.kind == "new":
        clauses.append(Fact.revises_id.is_(None))
    elif flt.kind == "revised":
        clauses.append(Fact.revises_id.is_not(None))
    if flt.since:
        clauses.append(Fact.first_seen_at >= _day_start(flt.since))
    if flt.until:
        clauses.append(Fact.first_seen_at < _day_start(flt.until + dt.timedelta(days=1)))
    if flt.min_sources:
        clauses.append(Fact.source_count >= flt.min_sources)
    return clauses


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)


def _fact_rows(session: Session, query) -> list[FactRow]:
    rows = session.execute(query.add_columns(Article.canonical_url, Article.host)
                           .join(Article, Article.id == Fact.first_article_id)).all()
    return [FactRow(
        id=f.id, phrase=f.phrase, value=f.value, unit=f.unit, low=f.low, high=f.high, qualifier=f.qualifier,
        year=f.year, alt_value=f.alt_value, alt_unit=f.alt_unit, subject=f.subject,
        technologies=list(f.technologies or []), plans=list(f.plans or []),
        language=f.language, kind="revised" if f.revises_id else "new", revises_id=f.revises_id,
        sources=f.source_count, first_seen_at=f.first_seen_at, url=url, host=host,
    ) for f, url, host in rows]


SEARCH_LIMIT = 5000  # facts a search narrows the list to, best matches first


def list_facts(session: Session, flt: FactFilter) -> FactPage:
    """Facts matching ``flt``, newest first."""
    clauses = _fact_clauses(flt)
    if flt.q:
        from store.search import fact_ids

        clauses.append(Fact.id.in_(fact_ids(session, flt.q, limit=SEARCH_LIMIT)))
    query = (select(Fact).where(*clauses).order_by(Fact.first_seen_at.desc(), Fact.id.desc())
             .limit(flt.limit + 1).offset(flt.offset))
    rows = _fact_rows(session, query)
    return FactPage(rows[: flt.limit], len(rows) > flt.limit, flt)


def fact_detail(session: Session, fact_id: int) -> FactDetail | None:
    """One fact with every sighting (outlet, title, date, sentence, link) and its revision history."""
    found = _fact_rows(session, select(Fact).where(Fact.id == fact_id))
    if not found:
        return None
    sentence = session.scalar(select(Fact.sentence).where(Fact.id == fact_id)) or ""
    sightings = [
        Sighting(outlet=src.host or art.host, title=art.title, published=art.published,
                 sentence=fig_sentence or art.title, phrase=fig_phrase or "", url=art.canonical_url,
                 seen_at=src.seen_at)
        for src, art, fig_sentence, fig_phrase in session.execute(
            select(FactSource, Article, Figure.sentence, Figure.phrase)
            .join(Article, Article.id == FactSource.article_id)
            .outerjoin(Figure, (Figure.article_id == FactSource.article_id) & (Figure.fact_id == FactSource.fact_id))
            .where(FactSource.fact_id == fact_id).order_by(FactSource.seen_at, FactSource.id)
        ).all()
    ]
    return FactDetail(found[0], sentence, _dedup_sightings(sightings), _history(session, fact_id))


def _dedup_sightings(sightings: list[Sighting]) -> list[Sighting]:
    seen, out = set(), []
    for s in sightings:  # an article stating the figure twice is one sighting
        if s.url not in seen:
            seen.add(s.url)
            out.append(s)
    return out


def _history(session: Session, fact_id: int, depth: int = 50) -> list[FactRow]:
    """The chain of revisions through ``fact_id``: what it revised, and what revised it."""
    older, current = [], session.scalar(select(Fact.revises_id).where(Fact.id == fact_id))
    while current is not None and len(older) < depth:
        older.append(current)
        current = session.scalar(select(Fact.revises_id).where(Fact.id == current))
    newer, current = [], fact_id
    while len(newer) < depth:
        current = session.scalar(select(Fact.id).where(Fact.revises_id == current).order_by(Fact.id).limit(1))
        if current is None:
            break
        newer.append(current)
    ids = list(reversed(older)) + [fact_id] + newer
    if len(ids) == 1:
        return []
    rows = {r.id: r for r in _fact_rows(session, select(Fact).where(Fact.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


# ---- trends -----------------------------------------------------------------------------------------------------


@dataclass
class Trends:
    """Counts per technology per bucket (a day, or the Monday of a week), oldest bucket first."""

    bucket: str
    buckets: list[dt.date]
    facts: dict[str, list[int]] = field(default_factory=dict)
    mentions: dict[str, list[int]] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"bucket": self.bucket, "buckets": [b.isoformat() for b in self.buckets],
                "facts": self.facts, "mentions": self.mentions}


def _day(session: Session, column):
    """The UTC calendar day of a timestamp column, as SQL, on either backend."""
    if session.get_bind().dialect.name == "sqlite":  # stored as UTC ISO text: the day is its first 10 characters
        return func.substr(column, 1, 10)
    return cast(func.timezone("UTC", column), String(10))


def _bucket_of(day: dt.date, bucket: str) -> dt.date:
    return day - dt.timedelta(days=day.weekday()) if bucket == "week" else day


# Counts of days before yesterday never change (a fact's first sighting and an article's fetch are stamped
# "now" when stored), so they are kept per process: a trends page then reads only the last two days.
_settled_days: dict[tuple[str, str, dt.date], dict[str, int]] = {}


def _daily_facts(session: Session, start: dt.datetime) -> dict[dt.date, dict[str, int]]:
    day = _day(session, Fact.first_seen_at)
    techs = cast(Fact.technologies, String)
    counts: dict[dt.date, dict[str, int]] = {}
    for day_text, tech_list, count in session.execute(
        select(day, techs, func.count()).where(Fact.first_seen_at >= start).group_by(day, techs)
    ):
        per_day = counts.setdefault(dt.date.fromisoformat(str(day_text)[:10]), {})
        for tech in json.loads(tech_list or "[]"):
            per_day[tech] = per_day.get(tech, 0) + count
    return counts


def _daily_mentions(session: Session, start: dt.datetime) -> dict[dt.date, dict[str, int]]:
    day = _day(session, Article.fetched_at)
    counts: dict[dt.date, dict[str, int]] = {}
    for day_text, key, count in session.execute(
        select(day, Mention.key, func.sum(Mention.count)).join(Article, Article.id == Mention.article_id)
        .where(Mention.kind == "technology", Article.fetched_at >= start).group_by(day, Mention.key)
    ):
        per_day = counts.setdefault(dt.date.fromisoformat(str(day_text)[:10]), {})
        per_day[key] = per_day.get(key, 0) + int(count or 0)
    return counts


def _per_day(session: Session, series: str, days: list[dt.date], today: dt.date) -> dict[dt.date, dict[str, int]]:
    """Counts per day for ``days``; settled days come from the per-process cache once read."""
    url = str(session.get_bind().url)
    settled = today - dt.timedelta(days=1)
    missing = [d for d in days if d >= settled or (url, series, d) not in _settled_days]
    fresh = (_daily_facts if series == "facts" else _daily_mentions)(session, _day_start(min(missing))) if missing else {}
    out = {}
    for day in days:
        if day in missing:
            out[day] = fresh.get(day, {})
            if day < settled:
                _settled_days[(url, series, day)] = out[day]
        else:
            out[day] = _settled_days[(url, series, day)]
    return out


def trends(session: Session, *, bucket: str = "day", days: int = 30, today: dt.date | None = None) -> Trends:
    """New facts and technology mentions per technology per day (or week) over the last ``days`` days."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    window = [today - dt.timedelta(days=days - 1 - i) for i in range(days)]
    buckets = sorted({_bucket_of(d, bucket) for d in window})
    index = {b: i for i, b in enumerate(buckets)}
    result = Trends(bucket, buckets)
    for name, target in (("facts", result.facts), ("mentions", result.mentions)):
        for day, counts in _per_day(session, name, window, today).items():
            for key, count in counts.items():
                target.setdefault(key, [0] * len(buckets))[index[_bucket_of(day, bucket)]] += count
    return result


# ---- feeds ------------------------------------------------------------------------------------------------------


@dataclass
class FeedRow:
    id: int
    name: str
    url: str
    enabled: bool
    status: str  # failing | dormant | ok | never polled | disabled
    last_status: str | None
    last_polled_at: dt.datetime | None
    last_success_at: dt.datetime | None
    failures: int
    next_poll_at: dt.datetime | None
    dormant: bool
    entries: int
    last_error: str | None
    last_warning: str | None

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("last_polled_at", "last_success_at", "next_poll_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def _feed_status(f: Feed) -> str:
    if not f.enabled:
        return "disabled"
    if f.dormant:
        return "dormant"
    if f.failures:
        return "failing"
    return "ok" if f.last_polled_at else "never polled"


_SORT_COLUMNS = {"name": Feed.name, "last_success": Feed.last_success_at, "failures": Feed.failures,
                 "entries": Feed.entry_count, "next_poll": Feed.next_poll_at}


def list_feeds(session: Session, sort: str = "health", descending: bool = False) -> list[FeedRow]:
    """Every feed; ``health`` puts failing feeds first (most failures first), then dormant, then the rest."""
    if sort == "health":
        rank = case((Feed.enabled.is_(False), 3), (Feed.dormant.is_(True), 1), (Feed.failures > 0, 0), else_=2)
        order = [rank, Feed.failures.desc(), Feed.name]
    else:
        column = _SORT_COLUMNS[sort]
        order = [column.desc() if descending else column, Feed.name]
    return [FeedRow(
        id=f.id, name=f.name, url=f.url, enabled=f.enabled, status=_feed_status(f), last_status=f.last_status,
        last_polled_at=f.last_polled_at, last_success_at=f.last_success_at, failures=f.failures,
        next_poll_at=f.next_poll_at, dormant=f.dormant, entries=f.entry_count, last_error=f.last_error,
        last_warning=f.last_warning,
    ) for f in session.scalars(select(Feed).order_by(*order))]


# ---- deliveries -------------------------------------------------------------------------------------------------


@dataclass
class DeliveryRow:
    id: int
    subscriber: str
    fact_id: int
    fact: str
    kind: str
    mode: str
    status: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime | None

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("created_at", "sent_at", "next_attempt_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass
class DeliveryBoard:
    by_state: dict[str, int]
    by_subscriber: dict[str, dict[str, int]]
    deliveries: list[DeliveryRow]

    def as_json(self) -> dict:
        return {"by_state": self.by_state, "by_subscriber": self.by_subscriber,
                "deliveries": [d.as_json() for d in self.deliveries]}


def delivery_board(session: Session, status: str | None = None, subscriber: str | None = None,
                   limit: int = 100) -> DeliveryBoard:
    """The outbox counted by state and by subscriber, and its newest rows (filtered)."""
    by_state = {s: 0 for s in DELIVERY_STATES}
    by_subscriber: dict[str, dict[str, int]] = {}
    for name, state, count in session.execute(
        select(Subscriber.name, Delivery.status, func.count()).join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .group_by(Subscriber.name, Delivery.status)
    ):
        by_state[state] = by_state.get(state, 0) + count
        by_subscriber.setdefault(name, {s: 0 for s in DELIVERY_STATES})[state] = count
    sub = aliased(Subscriber)
    query = (select(Delivery, sub.name, Fact.phrase, Fact.subject).join(sub, sub.id == Delivery.subscriber_id)
             .join(Fact, Fact.id == Delivery.fact_id).order_by(Delivery.id.desc()).limit(limit))
    if status:
        query = query.where(Delivery.status == status)
    if subscriber:
        query = query.where(sub.name == subscriber)
    rows = [DeliveryRow(
        id=d.id, subscriber=name, fact_id=d.fact_id, fact=f"{subject}: {phrase}" if subject else phrase,
        kind=d.kind, mode=d.mode, status=d.status, attempts=d.attempts, last_error=d.last_error,
        created_at=d.created_at, sent_at=d.sent_at, next_attempt_at=d.next_attempt_at,
    ) for d, name, phrase, subject in session.execute(query)]
    return DeliveryBoard(by_state, by_subscriber, rows)


def retry_delivery(session: Session, delivery_id: int) -> bool:
    """Put a failed delivery back to pending with a fresh attempt count; False if it is not failed."""
    done = session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=None, batch=None)
    )
    return bool(done.rowcount)
