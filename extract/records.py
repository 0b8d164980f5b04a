"""Plain records passed between planwatch's stages.

``extract`` produces them from bytes; ``store`` keeps them; nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeedSource:
    """A feed as configured by an operator in config/feeds.yaml."""

    name: str
    url: str
    language: str = "en"
    interval_minutes: int = 30


@dataclass(frozen=True)
class FeedEntry:
    """One item of a parsed feed. ``key`` is its identity inside the feed."""

    key: str
    link: str | None
    title: str
    published: dt.datetime | None = None
    summary: str = ""


@dataclass
class FeedParse:
    """What feedparser recovered from a feed body."""

    entries: list[FeedEntry]
    title: str = ""
    warning: str | None = None  # feedparser's recoverable 'bozo' problem, if any
    error: str | None = None  # nothing usable: not a feed at all


@dataclass(frozen=True)
class Alt:
    """A conversion stated in parentheses: '10 trillion yuan ($1.45 trillion)'."""

    value: float
    unit: str


@dataclass(frozen=True)
class Normalised:
    """A figure in its dimension's base unit (extract/lexicon 'dimensions'): 1.1亿千瓦 is 110 GW."""

    unit: str
    value: float
    high: float | None = None


@dataclass(frozen=True)
class Figure:
    """A number stated about the plan or a technology."""

    value: float
    unit: str
    phrase: str
    sentence: str
    low: float | None = None
    high: float | None = None
    qualifier: str | None = None  # at_least | more_than | about | up_to
    year: int | None = None
    subject: str = ""
    technologies: tuple[str, ...] = ()
    alt: Alt | None = None
    kind: str = ""  # target | forecast | outcome | growth | level | change (extract.kinds)
    start: int = -1  # offsets of the phrase in the article text (title excluded), -1 when unknown
    end: int = -1
    language: str = ""  # en | zh
    concept: str = ""  # concept key (extract.concepts): the same for English and Chinese wordings
    plan: str = ""  # '14th' | '15th' when the sentence ties the figure to a plan
    previous: float | None = None  # the old value a revising sentence states ('from 10 to 15 trillion')
    dimension: str = ""  # what the unit measures (extract/lexicon): percent, currency, count, power, mass, ...
    normalised: Normalised | None = None  # in the dimension's base unit, when the unit converts

    def revised(self, **changes) -> Figure:
        """``dataclasses.replace(self, **changes)`` in one copy of the fields: replace runs ``__init__``, which
        sets each of the 20 fields of a frozen record one by one (~7 µs a figure; detection revises each)."""
        if not changes.keys() <= self.__dict__.keys():
            raise TypeError(f"Figure has no field {sorted(changes.keys() - self.__dict__.keys())[0]!r}")
        new = object.__new__(Figure)
        new.__dict__.update(self.__dict__, **changes)
        return new

    def as_json(self) -> dict:
        return {
            "value": self.value,
            "unit": self.unit,
            "low": self.low,
            "high": self.high,
            "qualifier": self.qualifier,
            "year": self.year,
            "subject": self.subject,
            "technologies": list(self.technologies),
            "sentence": self.sentence,
            "alt": None if self.alt is None else {"value": self.alt.value, "unit": self.alt.unit},
            "phrase": self.phrase,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "language": self.language,
            "concept": self.concept,
            "plan": self.plan,
            "previous": self.previous,
            "dimension": self.dimension,
            "normalised": None if self.normalised is None else {
                "unit": self.normalised.unit, "value": self.normalised.value, "high": self.normalised.high},
        }


@dataclass(frozen=True)
class Mention:
    """A term of the taxonomy found in the text. ``kind`` is 'plan' or 'technology'."""

    kind: str
    key: str  # '15th' | '14th' | 'unspecified' for plans; a taxonomy id for technologies
    term: str
    count: int = 1


@dataclass
class Detection:
    """Everything detection finds in one article's text."""

    plans: list[str] = field(default_factory=list)
    technologies: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Article:
    """A page turned into text. ``status`` is 'ok', 'no_text' or 'error'."""

    url: str
    canonical_url: str
    title: str = ""
    text: str = ""
    date: dt.date | None = None
    language: str | None = None
    status: str = "ok"
    error: str | None = None
    truncated: bool = False  # the text was cut at extract.article.MAX_TEXT_CHARS
