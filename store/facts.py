"""Facts: distinct real-world figures. The first sighting is new, later outlets corroborate, a later target
or forecast for the same concept with another value is a revision.

A fact is keyed by ``match_key``: concept (extract.concepts: the same for English and Chinese wordings),
unit after dimension normalisation (1.1e8 kW is 110 GW), value, year, kind class and plan (only when the
sentence ties the figure to the 14th plan). Matching is one indexed lookup on that key; ``series_key`` (the
key without the value) finds the fact a revision replaces. A figure whose concept is unknown falls back to
the (unit, value, year) index and subject-word overlap among those few candidates. Nothing scans all facts.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from store.models import Article, Fact, FactSource, Figure, utcnow
from store.upsert import inserted

_STOP = {
    "the", "a", "an", "of", "in", "for", "and", "to", "by", "on", "its", "their", "with", "at", "as", "from",
    "china", "china's", "chinese", "country's", "national", "plan", "plan's", "five-year", "annual", "new", "total",
    "than", "more", "least", "about", "that", "this", "be", "is", "will", "was", "per",
}
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[\u4e00-\u9fff]")

SAME_FACT = 0.5  # subject overlap at which two concept-less figures with the same value are one fact
REVISION_RATIO = 3.0  # a target revised by more than this factor is more likely another measure than a revision
# kinds that may share a fact: a target reads as a bare level or a growth rate in another outlet's wording,
# the end of a change ('from 7.5 to 14') is an outcome
KIND_CLASS = {"target": "ahead", "forecast": "ahead", "level": "ahead", "growth": "ahead", "outcome": "past",
              "change": "past", "": "ahead"}
REVISABLE = {"target", "forecast"}
GENERIC_UNITS = {"percent", "percentage_points", "count", "times", "items", ""}
_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "co", "or", "ne", "go"}


def subject_tokens(subject: str) -> frozenset[str]:
    """Content words of a subject, folded for comparison."""
    words = []
    for w in _WORD.findall(subject.lower()):
        for part in w.split("-"):
            if part and part not in _STOP and part != "related":
                words.append(part.rstrip("s") if len(part) > 4 and part.isascii() else part)
    return frozenset(words)


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@functools.cache
def _unit_base() -> dict[str, tuple[str, float]]:
    """unit -> (base unit, factor), from the lexicon's dimensions (extract/lexicon/*.yaml, 'to_base')."""
    from extract.lexicon import default_lexicon

    return default_lexicon().in_base()


def normalised(unit: str, value: float | None) -> tuple[str, float | None]:
    """(unit, value) in the dimension's base unit: ('kW', 1.1e8) → ('GW', 110.0)."""
    base, factor = _unit_base().get(unit, (unit, 1.0))
    return base, (None if value is None else value * factor)


def value_key(value: float, high: float | None = None) -> str:
    return f"{value:.6g}" + (f"-{high:.6g}" if high is not None and high != value else "")


def registered_domain(host: str) -> str:
    """The outlet of a host: 'edition.cnn.com' → 'cnn.com', 'www.news.cn' → 'news.cn', 'a.b.co.uk' → 'b.co.uk'."""
    host = (host or "").lower().strip(".")
    if host.replace(".", "").isdigit() or ":" in host:
        return host  # an IP address is its own outlet
    labels = [p for p in host.split(".") if p]
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


@dataclass(frozen=True)
class Keys:
    """The lookup keys of a figure; ``match``, ``loose`` and ``series`` are '' without a concept."""

    unit: str  # after dimension normalisation
    value: str
    match: str  # concept|unit|kind class|plan|value|year
    loose: str  # the same without the year: an outlet that names no target year still states the fact
    series: str  # concept|unit|kind class|plan: the facts a revision may replace


def keys(fig: Figure) -> Keys:
    unit, value = normalised(fig.unit, fig.value)
    _, high = normalised(fig.unit, fig.high)
    vk = value_key(value, high)
    if not fig.concept_key:
        return Keys(unit, vk, "", "", "")
    plan = "14th" if fig.plan == "14th" else ""
    series = "|".join([fig.concept_key, unit, KIND_CLASS.get(fig.kind or "", "ahead"), plan])
    return Keys(unit, vk, f"{series}|{vk}|{fig.year or ''}", f"{series}|{vk}", series)


@dataclass
class FactChanges:
    new: list[int]
    revisions: list[int]
    corroborated: list[int]


def record_figures(session: Session, article: Article, figures: list[Figure], *,
                   copy_of: Article | None = None) -> FactChanges:
    """Link each stored figure of ``article`` to a fact, creating facts for first sightings.

    A syndicated copy (``copy_of`` is the first copy) corroborates: a figure the first copy also states
    joins its fact. Within one article, figures with the same value, unit, year and kind class are one fact
    (a headline and its body). A target's old value restated by a revising article corroborates the old fact.
    """
    changes = FactChanges([], [], [])
    now = utcnow()
    original = {}
    for f in (copy_of.figures if copy_of else ()):
        k = keys(f)
        original.setdefault((k.unit, k.value, f.year), f.fact_id)
    on_page: dict[tuple, Fact] = {}
    linked: dict[int, Fact] = {}  # fact id -> fact, in the order of the figures
    for fig in figures:
        k = keys(fig)
        unit, vk = k.unit, k.value
        page_key = (unit, vk, fig.year, KIND_CLASS.get(fig.kind or "", "ahead"))
        fact = on_page.get(page_key)
        if fact is not None and fig.concept_key and fact.concept_key and fact.concept_key != fig.concept_key:
            fact = None
        fact = fact or _matching_fact(session, fig, k)
        if fact is None and (unit, vk, fig.year) in original:
            known = original[unit, vk, fig.year]
            fact = session.get(Fact, known) if known is not None else None
            if fact is None:
                continue
        if fact is None:
            previous = _revised_fact(session, article, fig, k)
            tokens = subject_tokens(fig.subject)
            fact = Fact(
                subject=fig.subject, subject_key=" ".join(sorted(tokens))[:512], unit=unit,
                value=normalised(fig.unit, fig.value)[1], value_key=vk, low=normalised(fig.unit, fig.low)[1],
                high=normalised(fig.unit, fig.high)[1], qualifier=fig.qualifier, year=fig.year,
                alt_value=fig.alt_value, alt_unit=fig.alt_unit, technologies=list(fig.technologies),
                plans=list(article.plans or []), language=fig.language or article.language, phrase=fig.phrase,
                sentence=fig.sentence, first_article_id=article.id, source_count=0,
                revises_id=previous.id if previous else None, first_seen_at=now, last_seen_at=now,
                concept_key=fig.concept_key or "", kind=fig.kind or "", plan=fig.plan or "",
                match_key=k.match, loose_key=k.loose, series_key=k.series,
            )
            session.add(fact)
            session.flush()
            (changes.revisions if previous else changes.new).append(fact.id)
        elif fact.first_article_id == article.id and fact.revises_id is None and fig.previous_value is not None:
            _revise_late(session, article, fig, k, fact, changes)  # the headline states 45, the body 'from 50 to 45'
        on_page.setdefault(page_key, fact)
        fig.fact_id = fact.id
        linked.setdefault(fact.id, fact)
    _add_sources(session, article, linked, now, changes)
    session.flush()
    return changes


def _add_sources(session: Session, article: Article, linked: dict[int, Fact], now, changes: FactChanges) -> None:
    """The article as a source of each linked fact, in one statement; a fact it newly corroborates counts its
    outlets again (one grouped count for all of them)."""
    outlet = registered_domain(article.host)
    added = set(inserted(session, FactSource, [dict(fact_id=fact_id, article_id=article.id, host=outlet, seen_at=now)
                                               for fact_id in linked], ["fact_id", "article_id"], "fact_id"))
    created = set(changes.new) | set(changes.revisions)
    recount = [fact_id for fact_id in linked if fact_id in added and fact_id not in created]
    outlets = dict(session.execute(
        select(FactSource.fact_id, func.count(distinct(FactSource.host)))
        .where(FactSource.fact_id.in_(recount)).group_by(FactSource.fact_id)).all()) if recount else {}
    for fact_id, fact in linked.items():
        if fact_id not in added:
            continue
        fact.source_count = 1 if fact_id in created else outlets[fact_id]
        fact.last_seen_at = now
        if fact_id not in created and fact_id not in changes.corroborated:
            changes.corroborated.append(fact_id)


def _revise_late(session: Session, article: Article, fig: Figure, k: Keys, fact: Fact, changes: FactChanges) -> None:
    """A fact first made by this article turns out a revision: a later figure of it states the old value."""
    previous = _revised_fact(session, article, fig, k)
    if previous is not None and previous.id != fact.id:
        fact.revises_id = previous.id
        if fact.id in changes.new:
            changes.new.remove(fact.id)
            changes.revisions.append(fact.id)


def _unit_value_year(unit: str, vk: str, year: int | None):
    return (Fact.unit == unit, Fact.value_key == vk, Fact.year.is_(None) if year is None else Fact.year == year)


def _matching_fact(session: Session, fig: Figure, k: Keys) -> Fact | None:
    if k.match:
        fact = session.scalars(select(Fact).where(Fact.match_key == k.match).order_by(Fact.id).limit(1)).first()
        if fact is not None:
            return fact
        # one outlet names the target year, another does not: the same fact unless both name different years
        fact = next((f for f in session.scalars(select(Fact).where(Fact.loose_key == k.loose).order_by(Fact.id)
                                                .limit(20)) if f.year is None or fig.year is None), None)
        if fact is not None:
            return fact
        fact = _same_amount_of_concept(session, fig, k)
        if fact is not None or not is_specific_unit(k.unit):
            return fact
    if is_specific_unit(k.unit):
        return _same_specific_amount(session, fig, k)
    unit, vk = k.unit, k.value
    tokens = subject_tokens(fig.subject)
    kind_class = KIND_CLASS.get(fig.kind or "", "ahead")
    candidates = session.scalars(select(Fact).where(*_unit_value_year(unit, vk, fig.year)).limit(200)).all()
    best, best_score, alike = None, -1.0, []
    for fact in candidates:
        if KIND_CLASS.get(fact.kind or "", "ahead") != kind_class or (fact.plan == "14th") != (fig.plan == "14th"):
            continue
        alike.append(fact)
        score = overlap(tokens, frozenset(fact.subject_key.split()))
        if score >= SAME_FACT and score > best_score:
            best, best_score = fact, score
    if best is None and not fig.concept_key and fig.year is not None and unit != "percent" and len(alike) == 1:
        return alike[0]  # 'an interim goal of more than 1 trillion yuan by 2027': the one such amount known
    return best


def is_specific_unit(unit: str) -> bool:
    """Units whose amounts rarely coincide (GW, EFLOPS, qubits, robots per 10,000 workers), unlike percentages,
    counts and currencies: the same amount in one of them is the same fact even where no concept is known."""
    return unit not in GENERIC_UNITS and not (len(unit) == 3 and unit.isupper())


def _concept_fits(concepts, a: str, b: str) -> bool:
    """Two concept keys that may name one figure: the same main concept and technology where both name one
    (or one of them only a generic topic such as 'industry scale'), and the same modifiers but 'growth', which
    one outlet states and another leaves out ('cut carbon intensity by 18%' / '碳排放强度降低18%')."""
    mods_a, mods_b = concepts.modifiers_of(a) - {"growth"}, concepts.modifiers_of(b) - {"growth"}
    if mods_a != mods_b:
        return False
    if concepts.is_weak(a) or concepts.is_weak(b):
        return True
    pa, pb = [p for p in a.split("+") if p not in concepts.modifiers_of(a)], \
        [p for p in b.split("+") if p not in concepts.modifiers_of(b)]
    return pa[0] == pb[0] and (len(pa) == 1 or len(pb) == 1 or pa[1:] == pb[1:])


def _same_amount_of_concept(session: Session, fig: Figure, k: Keys) -> Fact | None:
    """The first fact of the same amount, unit, kind class and target year (or none named) whose concept fits
    the figure's, and of no other plan; an indexed lookup on (unit, value)."""
    from extract.concepts import default_concepts

    concepts = default_concepts()
    kind_class = KIND_CLASS.get(fig.kind or "", "ahead")
    for fact in session.scalars(select(Fact).where(Fact.unit == k.unit, Fact.value_key == k.value)
                                .order_by(Fact.id).limit(50)):
        if not fact.concept_key or KIND_CLASS.get(fact.kind or "", "ahead") != kind_class:
            continue
        if fact.year is not None and fig.year is not None and fact.year != fig.year:
            continue
        if fact.plan and fig.plan and fact.plan != fig.plan:
            continue
        if _concept_fits(concepts, fig.concept_key, fact.concept_key):
            return fact
    return None


def _same_specific_amount(session: Session, fig: Figure, k: Keys) -> Fact | None:
    kind_class = KIND_CLASS.get(fig.kind or "", "ahead")
    for fact in session.scalars(select(Fact).where(Fact.unit == k.unit, Fact.value_key == k.value)
                                .order_by(Fact.id).limit(20)):
        same_year = fact.year is None or fig.year is None or fact.year == fig.year
        same_concept = not fact.concept_key or not fig.concept_key or fact.concept_key == fig.concept_key
        if same_year and same_concept and KIND_CLASS.get(fact.kind or "", "ahead") == kind_class:
            return fact
    return None


def _revised_fact(session: Session, article: Article, fig: Figure, k: Keys) -> Fact | None:
    """The latest earlier target or forecast of the same series (concept, unit, plan; the same target year
    unless one of them names none) with another value, first seen in another article."""
    if not k.series or fig.kind not in REVISABLE:
        return None
    candidates = [f for f in session.scalars(
        select(Fact).where(Fact.series_key == k.series, Fact.value_key != k.value, Fact.first_article_id != article.id)
        .order_by(Fact.id.desc()).limit(20)) if f.year is None or fig.year is None or f.year == fig.year]
    _, new_value = normalised(fig.unit, fig.value)
    if fig.previous_value is not None:
        _, old_value = normalised(fig.unit, fig.previous_value)
        stated = next((f for f in candidates if f.value_key == value_key(old_value)), None)
        if stated is None:  # the old fact was first seen in another wording of the concept
            stated = _stated_old_fact(session, article, fig, k, value_key(old_value))
        if stated is not None:
            return stated
    for fact in candidates:
        if fact.kind not in REVISABLE:
            continue
        _, old = normalised(fact.unit, fact.value)
        if old and new_value and 1 / REVISION_RATIO <= new_value / old <= REVISION_RATIO:
            return fact
    return None


def _stated_old_fact(session: Session, article: Article, fig: Figure, k: Keys, old_vk: str) -> Fact | None:
    """The target or forecast of the stated old value whose concept fits the figure's: indexed on (unit, value)."""
    from extract.concepts import default_concepts

    concepts = default_concepts()
    for fact in session.scalars(select(Fact).where(Fact.unit == k.unit, Fact.value_key == old_vk,
                                                   Fact.first_article_id != article.id).order_by(Fact.id).limit(50)):
        if KIND_CLASS.get(fact.kind or "", "ahead") != "ahead" or not fact.concept_key:
            continue
        if fact.year is not None and fig.year is not None and fact.year != fig.year:
            continue
        if _concept_fits(concepts, fig.concept_key, fact.concept_key):
            return fact
    return None


def recent_facts(session: Session, limit: int = 20) -> list[Fact]:
    query = select(Fact).order_by(Fact.first_seen_at.desc(), Fact.id.desc()).limit(limit)
    return list(session.scalars(query))
