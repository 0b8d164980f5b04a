"""Articles with their mentions and figures, stored in one transaction per article."""

from __future__ import annotations

import datetime as dt
from typing import Callable
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from extract import records
from extract.cleantext import bounded, clean_line, clean_text
from store.facts import FactChanges, record_figures
from store.models import Article, Figure, Mention, utcnow

BANDS = 8  # columns band0..band7 hold extract.dedup.bands() of the text fingerprint
COPY_WINDOW = dt.timedelta(days=30)  # syndicated copies appear within days; older look-alikes are other stories


def find_copy_of(session: Session, fingerprint: int, bands: tuple[int, ...],
                 same: Callable[[int, int], bool]) -> Article | None:
    """The first stored article whose text is a near duplicate of this fingerprint."""
    conds = [getattr(Article, f"band{i}") == band for i, band in enumerate(bands[:BANDS])]
    since = utcnow() - COPY_WINDOW
    candidates = session.scalars(
        select(Article).where(or_(*conds), Article.status == "ok", Article.fetched_at >= since)
        .order_by(Article.id).limit(500)
    )
    for candidate in candidates:
        if candidate.fingerprint is not None and same(candidate.fingerprint, fingerprint):
            return candidate.duplicate_of if candidate.duplicate_of_id else candidate
    return None


def save_article(
    session: Session,
    article: records.Article,
    detection: records.Detection | None,
    *,
    feed_id: int | None = None,
    fingerprint: int | None = None,
    bands: tuple[int, ...] = (),
    copy_of: Article | None = None,
) -> tuple[Article, FactChanges]:
    """Store an article (upsert on canonical URL) with its mentions and figures, and update facts."""
    row = session.scalar(select(Article).where(Article.canonical_url == article.canonical_url))
    if row is not None and row.status == "ok":
        return row, FactChanges([], [], [])
    if row is None:
        row = Article(canonical_url=article.canonical_url)
        session.add(row)
    row.url = article.url
    row.host = (urlsplit(article.canonical_url).hostname or "").lower()
    row.feed_id = feed_id
    row.title, row.text = clean_line(article.title), clean_text(article.text)
    row.published, row.language = article.date, article.language
    row.status, row.error = article.status, bounded(article.error) if article.error else None
    row.plans = list(detection.plans) if detection else []
    row.technologies = list(detection.technologies) if detection else []
    row.fingerprint = fingerprint
    padded = list(bands) + [None] * (BANDS - len(bands))
    for i in range(BANDS):
        setattr(row, f"band{i}", padded[i])
    row.duplicate_of_id = copy_of.id if copy_of is not None else None
    session.flush()
    if detection is None:
        return row, FactChanges([], [], [])
    for m in detection.mentions:
        row.mentions.append(Mention(kind=m.kind, key=m.key, term=clean_line(m.term)[:200], count=m.count))
    figures = []
    for i, f in enumerate(detection.figures):
        fig = Figure(
            ordinal=i, value=f.value, unit=f.unit, low=f.low, high=f.high, qualifier=f.qualifier, year=f.year,
            subject=f.subject and clean_line(f.subject), technologies=list(f.technologies),
            sentence=clean_text(f.sentence), phrase=clean_line(f.phrase),
            alt_value=f.alt.value if f.alt else None, alt_unit=f.alt.unit if f.alt else None,
            kind=f.kind, start_offset=f.start if f.start >= 0 else None, end_offset=f.end if f.end >= 0 else None,
            language=f.language or article.language, concept_key=f.concept, plan=f.plan, previous_value=f.previous,
        )
        row.figures.append(fig)
        figures.append(fig)
    session.flush()
    changes = record_figures(session, row, figures, copy_of=copy_of)
    return row, changes
