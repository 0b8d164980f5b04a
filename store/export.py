"""Rows as plain records for `facts --format`, `search --json` and `export`, read in keyset batches.

Every iterator reads ``batch`` rows at a time ordered by id (``WHERE id > last``), so an export of any
size holds one batch in memory, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Article, Delivery, Fact, FactSource, Figure, Subscriber
from store.search import Filters, fact_conditions

__all__ = ["KINDS", "count", "fact_records", "iter_records"]

FACT_FIELDS = ("id", "kind", "subject", "phrase", "value", "unit", "low", "high", "qualifier", "year", "alt_value",
               "alt_unit", "technologies", "plans", "language", "sentence", "source_count", "first_seen_at",
               "last_seen_at", "revises_id", "first_url", "sources", "figures")
ARTICLE_FIELDS = ("id", "canonical_url", "url", "host", "title", "published", "language", "status", "error", "plans",
                  "technologies", "duplicate_of_id", "fetched_at", "text")
DELIVERY_FIELDS = ("id", "subscriber", "fact_id", "kind", "mode", "status", "attempts", "last_error",
                   "next_attempt_at", "batch", "created_at", "sent_at")
KINDS = {"facts": FACT_FIELDS, "articles": ARTICLE_FIELDS, "deliveries": DELIVERY_FIELDS}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def fact_records(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """Each fact of ``ids`` (in that order) with its sources and the figures that sighted it."""
    if not ids:
        return []
    facts = {f.id: f for f in session.execute(
        select(Fact.__table__, Article.canonical_url.label("first_url"))
        .join(Article, Article.id == Fact.first_article_id).where(Fact.id.in_(ids)))}
    sources: dict[int, list[dict]] = {i: [] for i in ids}
    for fid, url, host, seen in session.execute(
            select(FactSource.fact_id, Article.canonical_url, FactSource.host, FactSource.seen_at)
            .join(Article, Article.id == FactSource.article_id).where(FactSource.fact_id.in_(ids))
            .order_by(FactSource.fact_id, FactSource.id)):
        sources[fid].append({"url": url, "host": host, "seen_at": _iso(seen)})
    figures: dict[int, list[dict]] = {i: [] for i in ids}
    for row in session.execute(
            select(Figure.fact_id, Article.canonical_url, Figure.phrase, Figure.value, Figure.unit, Figure.low,
                   Figure.high, Figure.qualifier, Figure.year, Figure.subject, Figure.sentence)
            .join(Article, Article.id == Figure.article_id).where(Figure.fact_id.in_(ids))
            .order_by(Figure.fact_id, Figure.id)):
        figures[row.fact_id].append({"url": row.canonical_url, "phrase": row.phrase, "value": row.value,
                                     "unit": row.unit, "low": row.low, "high": row.high, "qualifier": row.qualifier,
                                     "year": row.year, "subject": row.subject, "sentence": row.sentence})
    out = []
    for i in ids:
        f = facts[i]
        record = {k: _iso(getattr(f, k)) for k in FACT_FIELDS if k not in ("kind", "sources", "figures")}
        record["kind"] = "revised" if f.revises_id else "new"
        record["sources"], record["figures"] = sources[i], figures[i]
        out.append({k: record[k] for k in FACT_FIELDS})
    return out


def count(session: Session, kind: str, filters: Filters = Filters()) -> int:
    """How many records ``iter_records`` yields for ``kind``."""
    if kind == "facts":
        return session.scalar(select(func.count()).select_from(Fact).where(*fact_conditions(filters)))
    model = {"articles": Article, "deliveries": Delivery}[kind]
    return session.scalar(select(func.count()).select_from(model))


def _keyset(session: Session, stmt, id_col, batch: int) -> Iterator[list]:
    last = 0
    while True:
        rows = session.execute(stmt.where(id_col > last).order_by(id_col).limit(batch)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def iter_records(session: Session, kind: str, filters: Filters = Filters(), batch: int = 500) -> Iterator[dict]:
    """Every fact, article or delivery as a record, ``batch`` rows at a time."""
    if kind == "facts":
        stmt = select(Fact.id).where(*fact_conditions(filters))
        for rows in _keyset(session, stmt, Fact.id, batch):
            yield from fact_records(session, [r.id for r in rows])
    elif kind == "articles":
        stmt = select(*(getattr(Article, k) for k in ARTICLE_FIELDS))
        for rows in _keyset(session, stmt, Article.id, max(1, batch // 5)):
            for r in rows:
                yield {k: _iso(getattr(r, k)) for k in ARTICLE_FIELDS}
    elif kind == "deliveries":
        cols = [getattr(Delivery, k) for k in DELIVERY_FIELDS if k != "subscriber"]
        stmt = select(*cols, Subscriber.name.label("subscriber")).join(Subscriber)
        for rows in _keyset(session, stmt, Delivery.id, batch):
            for r in rows:
                yield {k: _iso(getattr(r, k)) for k in DELIVERY_FIELDS}
    else:
        raise ValueError(f"export: unknown kind '{kind}' (use one of {', '.join(KINDS)})")
