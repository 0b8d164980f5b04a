"""Facts: distinct figures. First sighting is new, later ones corroborate, another value is a revision.

Matching is by (unit, value, year) plus how alike the subjects are: outlets word a
subject differently ('AI-related industry', 'the AI industry'), so an exact key on
the subject would split one fact into several and alert each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Article, Fact, FactSource, Figure, utcnow
from store.upsert import insert_ignore

_STOP = {
    "the", "a", "an", "of", "in", "for", "and", "to", "by", "on", "its", "their", "with", "at", "as", "from",
    "china", "china's", "chinese", "country's", "national", "plan", "plan's", "five-year", "annual", "new", "total",
    "than", "more", "least", "about", "that", "this", "be", "is", "will", "was", "per",
}
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[\u4e00-\u9fff]")
_SYNONYMS = {"artificial": "ai", "intelligence": "ai", "r&d": "research", "rd": "research", "semiconductor": "chip",
             "semiconductors": "chip", "chips": "chip", "investment": "invest", "investments": "invest"}

# Chinese subject words folded to the English ones, so an English and a Chinese report of a figure meet.
_ZH = {
    "人工智能": " ai ", "研发": " research ", "研究与试验发展": " research ", "经费": " ", "投入": " invest ",
    "投资": " invest ", "产业": " industry ", "核心": " core ", "规模": " ", "芯片": " chip ", "半导体": " chip ",
    "集成电路": " chip ", "算力": " computing ", "机器人": " robot ", "量子": " quantum ", "航天": " aerospace ",
    "生物医药": " biomedicine ", "预算": " budget ", "科技": " science technology ", "科学技术": " science technology ",
    "增长": " growth ", "年均": " annual ", "每年": " annual ", "市场": " market ", "经济": " economy ",
}
_ZH_RE = re.compile("|".join(sorted(map(re.escape, _ZH), key=len, reverse=True)))

SAME_FACT = 0.3  # subject overlap at which two figures with the same value are one fact
REVISION = 0.6  # subject overlap at which another value is a revision of the same fact
REVISION_RATIO = 3.0  # a target revised by more than this factor is more likely another measure than a revision


def subject_tokens(subject: str) -> frozenset[str]:
    """Content words of a subject, folded for comparison ('AI-related industry' ~ 'artificial intelligence industry')."""
    words = []
    for w in _WORD.findall(_ZH_RE.sub(lambda m: _ZH[m.group(0)], subject.lower())):
        for part in re.split(r"-", w) if "-" in w else [w]:
            part = _SYNONYMS.get(part, part)
            if part and part not in _STOP and part != "related":
                words.append(part.rstrip("s") if len(part) > 4 and part.isascii() else part)
    return frozenset(words)


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def value_key(value: float) -> str:
    return f"{value:.6g}"


@dataclass
class FactChanges:
    new: list[int]
    revisions: list[int]
    corroborated: list[int]


def record_figures(session: Session, article: Article, figures: list[Figure], *,
                   copy_of: Article | None = None) -> FactChanges:
    """Link each stored figure of ``article`` to a fact, creating facts for first sightings.

    A syndicated copy (``copy_of`` is the first copy) corroborates: a figure the first copy also states
    joins its fact and never creates another, however the copy's edit words the subject. A figure the
    first copy does not state is new (a follow-up that reuses most of a story can add a number).
    """
    changes = FactChanges([], [], [])
    now = utcnow()
    original = {(f.unit, value_key(f.value), f.year): f.fact_id for f in copy_of.figures} if copy_of else {}
    for fig in figures:
        tokens = subject_tokens(fig.subject)
        fact = _matching_fact(session, fig, tokens)
        if fact is None:
            known = original.get((fig.unit, value_key(fig.value), fig.year))
            if known is not None:
                fact = session.get(Fact, known)
            elif (fig.unit, value_key(fig.value), fig.year) in original:
                continue
        if fact is None:
            previous = _revised_fact(session, fig, tokens)
            fact = Fact(
                subject=fig.subject, subject_key=" ".join(sorted(tokens))[:512], unit=fig.unit, value=fig.value,
                value_key=value_key(fig.value), low=fig.low, high=fig.high, qualifier=fig.qualifier, year=fig.year,
                alt_value=fig.alt_value, alt_unit=fig.alt_unit, technologies=list(fig.technologies),
                plans=list(article.plans or []), language=article.language, phrase=fig.phrase,
                sentence=fig.sentence, first_article_id=article.id, source_count=0,
                revises_id=previous.id if previous else None, first_seen_at=now, last_seen_at=now,
            )
            session.add(fact)
            session.flush()
            (changes.revisions if previous else changes.new).append(fact.id)
        fig.fact_id = fact.id
        added = insert_ignore(session, FactSource, [dict(fact_id=fact.id, article_id=article.id, host=article.host,
                                                         seen_at=now)], ["fact_id", "article_id"])
        if added:
            fact.source_count = session.scalar(select(func.count()).select_from(FactSource).where(
                FactSource.fact_id == fact.id))
            fact.last_seen_at = now
            if fact.id not in changes.new and fact.id not in changes.revisions:
                changes.corroborated.append(fact.id)
    session.flush()
    return changes


def _matching_fact(session: Session, fig: Figure, tokens: frozenset[str]) -> Fact | None:
    candidates = session.scalars(
        select(Fact).where(Fact.unit == fig.unit, Fact.value_key == value_key(fig.value),
                           Fact.year.is_(None) if fig.year is None else Fact.year == fig.year)
    ).all()
    best, best_score = None, -1.0
    for fact in candidates:
        score = overlap(tokens, frozenset(fact.subject_key.split()))
        if score >= SAME_FACT and score > best_score:
            best, best_score = fact, score
    return best


def _revised_fact(session: Session, fig: Figure, tokens: frozenset[str]) -> Fact | None:
    """The latest fact with the same subject, unit and target year but another value."""
    if fig.year is None or len(tokens) < 2:
        return None
    candidates = session.scalars(
        select(Fact).where(Fact.unit == fig.unit, Fact.year == fig.year, Fact.value_key != value_key(fig.value))
        .order_by(Fact.id.desc()).limit(200)
    ).all()
    for fact in candidates:
        if not fact.value or not fig.value or not 1 / REVISION_RATIO <= fig.value / fact.value <= REVISION_RATIO:
            continue
        if overlap(tokens, frozenset(fact.subject_key.split())) >= REVISION:
            return fact
    return None


def recent_facts(session: Session, limit: int = 20) -> list[Fact]:
    query = select(Fact).order_by(Fact.first_seen_at.desc(), Fact.id.desc()).limit(limit)
    return list(session.scalars(query))
