"""`planwatch facts --sightings FACT_ID`: a fact, its concept key, and every sighting with why it joined."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Article, Fact, Figure


def sightings_text(session: Session, fact_id: int) -> str:
    """A fact and its sightings: article, language, kind, concept key, offsets and the phrase as written."""
    fact = session.get(Fact, fact_id)
    if fact is None:
        return f"facts: no fact #{fact_id}"
    lines = [f"fact #{fact.id}: {fact.subject or '-'} = {fact.value:g} {fact.unit}"
             f"{f' by {fact.year}' if fact.year else ''} ({fact.kind or '-'})",
             f"  key: {fact.match_key or '(no concept: matched by subject words)'}",
             f"  carried by {fact.source_count} outlet{'s' if fact.source_count != 1 else ''}"
             + (f"; revises #{fact.revises_id}" if fact.revises_id else "")]
    rows = session.execute(select(Figure, Article).join(Article, Article.id == Figure.article_id)
                           .where(Figure.fact_id == fact_id).order_by(Article.id, Figure.ordinal)).all()
    for fig, article in rows:
        where = f"[{fig.start_offset}:{fig.end_offset}]" if fig.start_offset is not None else "[?]"
        lines.append(f"  - {article.canonical_url}\n    {fig.language or '-'} {fig.kind or '-'} "
                     f"{fig.concept_key or '-'} {where} \"{fig.phrase}\" — {fig.subject or '-'}")
    return "\n".join(lines)
