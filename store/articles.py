"""Articles with their mentions and figures, stored in one transaction per article, in a few statements."""

from __future__ import annotations

import datetime as dt
from typing import Callable, NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from extract import records
from extract.cleantext import bounded, clean_line, clean_text
from store.facts import FactChanges, record_figures
from store.locks import lock_stories
from store.models import Article, Figure, Mention, UTCDateTime, utcnow
from store.upsert import ignoring

BANDS = 4  # columns band0..band3 hold extract.dedup.bands() of the text fingerprint
COPY_WINDOW = dt.timedelta(days=30)  # syndicated copies appear within days; older look-alikes are other stories
MAX_CANDIDATES = 500


def _copy_candidates():
    """Stored articles whose band keys match a probe, fetched since ``since``: one statement, built once."""
    table = Article.__table__
    probed = or_(*(table.c[f"band{i}"].in_(bindparam(f"band{i}", expanding=True)) for i in range(BANDS)))
    return (select(table.c.id, table.c.fingerprint, table.c.duplicate_of_id)
            .where(probed, table.c.status == "ok", table.c.fetched_at >= bindparam("since", type_=UTCDateTime()))
            .order_by(table.c.id).limit(MAX_CANDIDATES))


_COPY_CANDIDATES = _copy_candidates()
_INSERT_MENTIONS, _INSERT_FIGURES = insert(Mention.__table__), insert(Figure.__table__)


def find_copy_of(session: Session, fingerprint: int, probes: tuple[tuple[int, ...], ...],
                 same: Callable[[int, int], bool]) -> Article | None:
    """The first stored article whose text is a near duplicate of this fingerprint.

    ``probes`` (extract.dedup.probes) are the band keys to look up, per band column: one indexed
    IN-lookup per column that reads ~N/960 rows of N, and only their ids and fingerprints.
    """
    params = {f"band{i}": list(keys) for i, keys in enumerate(probes[:BANDS])}
    params.update({f"band{i}": [] for i in range(len(params), BANDS)})
    candidates = session.execute(_COPY_CANDIDATES, {**params, "since": utcnow() - COPY_WINDOW})
    for article_id, candidate_fp, duplicate_of_id in candidates:
        if candidate_fp is not None and same(candidate_fp, fingerprint):
            return _reference(session, duplicate_of_id or article_id)
    return None


def _reference(session: Session, article_id: int) -> Article:
    """The stored article of this id as the session's object, its columns and figures read only when used (a copy
    needs only the first copy's id, and its figures when it has figures of its own)."""
    known = session.identity_map.get(session.identity_key(Article, article_id))
    return known if known is not None else _persistent(session, Article(id=article_id))


class Saved(NamedTuple):
    """What save_story did: the article's row, the first copy of its story (or None) and the fact changes;
    ``before`` when the article was stored already (an earlier run, another worker) and nothing was written."""

    row: Article
    copy: Article | None
    changes: FactChanges
    before: bool


def save_story(
    session: Session,
    article: records.Article,
    detection: records.Detection | None,
    *,
    probes: tuple[tuple[int, ...], ...] = (),
    same: Callable[[int, int], bool] | None = None,
    **stored,
) -> Saved:
    """Find the stored story this article copies, then store it as ``save_article`` does.

    ``stored`` are save_article's keywords (feed_id, fingerprint, bands). The lookup and the save run
    under the story lock, so a copy stored by another worker a moment earlier is found, never missed.
    """
    lock_stories(session)
    fp, copy = stored.get("fingerprint"), None
    if fp is not None and probes and same is not None:
        copy = find_copy_of(session, fp, probes, same)
    row, changes, before = _save_locked(session, article, detection, copy_of=copy, **stored)
    return Saved(row, None if before else copy, changes, before)


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
    """Store an article (upsert on canonical URL) with its mentions and figures, and update facts.

    One INSERT ... ON CONFLICT for the article, one multi-row INSERT each for mentions and figures;
    an article already stored with text is left alone, so a retry or a second worker adds nothing.
    """
    lock_stories(session)
    row, changes, _before = _save_locked(session, article, detection, feed_id=feed_id, fingerprint=fingerprint,
                                         bands=bands, copy_of=copy_of)
    return row, changes


def _save_locked(session: Session, article: records.Article, detection: records.Detection | None, *,
                 feed_id: int | None = None, fingerprint: int | None = None, bands: tuple[int, ...] = (),
                 copy_of: Article | None = None) -> tuple[Article, FactChanges, bool]:
    """save_article under the story lock the caller holds; (row, changes, stored before)."""
    none = FactChanges([], [], [])
    values = _with_defaults(Article, _article_values(article, detection, feed_id, fingerprint, bands, copy_of))
    table = Article.__table__
    new_id = session.execute(ignoring(session, Article, ["canonical_url"], "id"), values).scalar()
    if new_id is not None:
        row = _persistent(session, Article(id=new_id, **values))
    else:
        row = session.scalars(select(Article).where(Article.canonical_url == article.canonical_url)).one()
        if row.status == "ok":
            return row, none, True
        session.execute(delete(Mention).where(Mention.article_id == row.id))
        session.execute(delete(Figure).where(Figure.article_id == row.id))
        session.execute(update(Article).where(Article.id == row.id).values(values))
        session.refresh(row)
    if detection is None:
        return row, none, False
    if detection.mentions:
        session.execute(_INSERT_MENTIONS, [_with_defaults(Mention, dict(
            article_id=row.id, kind=m.kind, key=m.key, term=clean_line(m.term)[:200], count=m.count))
            for m in detection.mentions])
    if not detection.figures:
        return row, none, False
    rows = [_with_defaults(Figure, dict(
        article_id=row.id, ordinal=i, value=f.value, unit=f.unit, low=f.low, high=f.high,
        qualifier=f.qualifier, year=f.year, subject=f.subject and clean_line(f.subject),
        technologies=list(f.technologies), sentence=clean_text(f.sentence), phrase=clean_line(f.phrase),
        alt_value=f.alt.value if f.alt else None, alt_unit=f.alt.unit if f.alt else None,
        kind=f.kind, start_offset=f.start if f.start >= 0 else None, end_offset=f.end if f.end >= 0 else None,
        language=f.language or article.language, concept_key=f.concept, plan=f.plan, previous_value=f.previous))
        for i, f in enumerate(detection.figures)]
    figures = [Figure(**r) for r in rows]  # not in the session: record_figures sets their fact_id, then one INSERT
    changes = record_figures(session, row, figures, copy_of=copy_of)
    session.execute(_INSERT_FIGURES, [{**r, "fact_id": fig.fact_id} for r, fig in zip(rows, figures)])
    return row, changes, False


def _with_defaults(model: type, row: dict) -> dict:
    """``row`` with each None replaced by its column's default, as the ORM's INSERT leaves a None to the default."""
    columns = model.__table__.c
    return {key: columns[key].default.arg if value is None and columns[key].default is not None
            and columns[key].default.is_scalar else value for key, value in row.items()}


def _persistent(session: Session, row: Article) -> Article:
    """A stored row (just inserted by a Core statement, or known by its id) as the session's persistent object,
    without a SELECT to load it: a column not given is read when used."""
    make_transient_to_detached(row)
    session.add(row)
    return row


def _article_values(article: records.Article, detection: records.Detection | None, feed_id: int | None,
                    fingerprint: int | None, bands: tuple[int, ...], copy_of: Article | None) -> dict:
    padded = list(bands[:BANDS]) + [None] * (BANDS - len(bands[:BANDS]))
    return dict(
        canonical_url=article.canonical_url, url=article.url,
        host=(urlsplit(article.canonical_url).hostname or "").lower(), feed_id=feed_id,
        title=clean_line(article.title or ""), text=clean_text(article.text or ""), published=article.date, language=article.language,
        status=article.status, error=bounded(article.error) if article.error else None,
        truncated=article.truncated,
        plans=list(detection.plans) if detection else [],
        technologies=list(detection.technologies) if detection else [],
        fingerprint=fingerprint, duplicate_of_id=copy_of.id if copy_of is not None else None,
        fetched_at=utcnow(), **{f"band{i}": padded[i] for i in range(BANDS)},
    )
