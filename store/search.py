"""Full-text search over articles and facts, and the filters shared by `search`, `facts` and the console.

The index itself is kept by the database (migration 0005): on SQLite FTS5 tables with the trigram
tokenizer fed by triggers, on PostgreSQL a generated ``search_vector`` tsvector column with a GIN index.
Both are written in the same transaction as the row, so ingest code does nothing for search.

Query semantics: the words of a query must all occur (a "quoted phrase" counts as one word).
On SQLite a word of three or more characters matches anywhere inside the text, so 人工智能 and
算力规模 are found in running Chinese text and ``fund`` finds ``funding``; shorter words (AI, 6G,
算力) are matched on word boundaries, or anywhere for Chinese, by a scan of the rows. On PostgreSQL
English words are stemmed (``funds`` finds ``funding``) and Chinese words are matched as phrases
of characters. A title hit ranks above a body hit on both.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import String, case, cast, column, exists, func, literal, literal_column, or_, select, table
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from store.models import Article, Fact, FactSource

__all__ = [
    "ArticleHit",
    "Filters",
    "QueryError",
    "Snippet",
    "fact_ids",
    "find_fact_ids",
    "include_name",
    "parse_query",
    "search_articles",
    "snippet",
]

INDEX_TABLES = ("articles_fts", "facts_fts")  # SQLite FTS5 tables and their shadow tables
INDEX_COLUMN = "search_vector"  # PostgreSQL generated tsvector column
TITLE_WEIGHT = 10.0  # bm25 weight of the title (subject) column against 1.0 for the text (sentence)
TITLE_BONUS = 100.0  # score added per query word found in the title; bm25 and ts_rank stay far below it
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_SUFFIX = re.compile(r"(?:ing|ed|es|s)$")


class QueryError(ValueError):
    """A search query or filter that cannot be run; the message says which part and why."""


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic hook: the search index is created by migration 0005 and has no model, so compare skips it."""
    if type_ == "table":
        return not (name or "").startswith(INDEX_TABLES)
    if type_ == "column":
        return name != INDEX_COLUMN
    if type_ == "index":
        return not (name or "").endswith("_" + INDEX_COLUMN)
    return True


@dataclass(frozen=True)
class Filters:
    """What `search`, `facts` and the console narrow results by; None means any."""

    technology: str | None = None
    plan: str | None = None
    language: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    outlet: str | None = None
    min_sources: int | None = None  # facts only
    kind: str | None = None  # facts only: new | revised

    def __post_init__(self):
        if self.kind not in (None, "new", "revised"):
            raise QueryError(f"search: --kind must be new or revised, not '{self.kind}'")
        if self.since and self.until and self.since > self.until:
            raise QueryError(f"search: --since {self.since} is after --until {self.until}")
        if self.min_sources is not None and self.min_sources < 1:
            raise QueryError(f"search: --min-sources must be at least 1, not {self.min_sources}")


@dataclass(frozen=True)
class Snippet:
    """A window of text around the first hit, with the (start, end) spans of every hit in it."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()

    def marked(self, start: str = "<mark>", end: str = "</mark>") -> str:
        out, pos = [], 0
        for a, b in self.spans:
            out += [self.text[pos:a], start, self.text[a:b], end]
            pos = b
        return "".join(out) + self.text[pos:]


@dataclass
class ArticleHit:
    id: int
    title: str
    url: str
    host: str
    published: dt.date | None
    language: str | None
    score: float
    snippet: Snippet
    fact_ids: list[int] = field(default_factory=list)


def parse_query(query: str) -> list[str]:
    """The words of a query; a "quoted phrase" is one word."""
    terms = [(m.group(1) if m.group(1) is not None else m.group(2)).strip() for m in _TERM.finditer(query or "")]
    terms = [t for t in terms if t]
    if not terms:
        raise QueryError("search: the query is empty: give one or more words, e.g. 'quantum funding' or 算力")
    return terms


def _short(term: str) -> bool:
    return len(term) < 3  # the trigram index cannot look up fewer than three characters


def _fts_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _glob_literal(term: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in term)


def _short_match(term: str, *columns) -> ColumnElement[bool]:
    """A short word in any of the columns: on word boundaries for Latin script, anywhere for Chinese."""
    if _CJK.search(term) or not term.isascii():
        return or_(*(func.instr(c, term) > 0 for c in columns))
    pattern = f"*[^a-z0-9]{_glob_literal(term.lower())}[^a-z0-9]*"
    return or_(*((literal(" ") + func.lower(c) + literal(" ")).op("GLOB")(pattern) for c in columns))


def _spaced(term: str) -> str:
    return _CJK.sub(lambda m: f" {m.group(0)} ", term)


def _pg_ranked(base: Select, model, terms: list[str]) -> Select:
    vector = literal_column(f"{model.__tablename__}.{INDEX_COLUMN}")
    queries = [func.phraseto_tsquery(literal_column("'english'::regconfig"), _spaced(t)) for t in terms]
    combined = queries[0]
    for q in queries[1:]:
        combined = combined.op("&&")(q)
    title = func.ts_filter(vector, literal_column("'{a}'::\"char\"[]"))
    in_title = sum((case((title.op("@@")(q), TITLE_BONUS), else_=0.0) for q in queries), literal(0.0))
    score = in_title + func.ts_rank(vector, combined)
    return base.add_columns(score.label("score")).where(vector.op("@@")(combined))


def _ranked(session: Session, base: Select, model, head, body, fts_name: str, terms: list[str]) -> Select:
    """``base`` (selecting ``model.id``) narrowed to rows matching every term, with a ``score`` (higher is better).

    Words found in the title (subject) come first: bm25 or ts_rank alone let a long body outrank a title.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _pg_ranked(base, model, terms)
    long_terms = [t for t in terms if not _short(t)]
    short = [_short_match(t, head, body) for t in terms if _short(t)]
    in_title = sum((func.iif(_short_match(t, head) if _short(t) else func.instr(func.lower(head), t.lower()) > 0,
                             TITLE_BONUS, 0.0) for t in terms), literal(0.0))
    if not long_terms:
        return base.add_columns(in_title.label("score")).where(*short)
    fts = table(fts_name, column("rowid"))
    match = " AND ".join(_fts_string(t) for t in long_terms)
    score = in_title - func.bm25(literal_column(fts_name), TITLE_WEIGHT, 1.0)
    stmt = base.add_columns(score.label("score")).join(fts, fts.c.rowid == model.id)
    return stmt.where(literal_column(fts_name).op("MATCH")(match), *short)


def _json_has(col, key: str) -> ColumnElement[bool]:
    """A JSON list column holds ``key`` (portable: the lists hold plain slugs, stored as JSON text)."""
    return cast(col, String).like(f'%"{key}"%')


def _host_is(col, outlet: str) -> ColumnElement[bool]:
    outlet = outlet.strip().lower()
    return or_(col == outlet, col.like(f"%.{outlet}"))


def _language_is(col, language: str) -> ColumnElement[bool]:
    language = language.strip().lower()
    return or_(func.lower(col) == language, func.lower(col).like(f"{language}-%"))


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)


def article_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """Conditions on ``Article`` for the filters (dates are publication dates)."""
    f, conds = filters, []
    if f.technology:
        conds.append(_json_has(Article.technologies, f.technology))
    if f.plan:
        conds.append(_json_has(Article.plans, f.plan))
    if f.language:
        conds.append(_language_is(Article.language, f.language))
    if f.since:
        conds.append(Article.published >= f.since)
    if f.until:
        conds.append(Article.published <= f.until)
    if f.outlet:
        conds.append(_host_is(Article.host, f.outlet))
    return conds


def fact_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """Conditions on ``Fact`` for the filters (dates are when planwatch first saw the fact)."""
    f, conds = filters, []
    if f.technology:
        conds.append(_json_has(Fact.technologies, f.technology))
    if f.plan:
        conds.append(_json_has(Fact.plans, f.plan))
    if f.language:
        conds.append(_language_is(Fact.language, f.language))
    if f.since:
        conds.append(Fact.first_seen_at >= _day_start(f.since))
    if f.until:
        conds.append(Fact.first_seen_at < _day_start(f.until + dt.timedelta(days=1)))
    if f.outlet:
        conds.append(exists().where(FactSource.fact_id == Fact.id, _host_is(FactSource.host, f.outlet)))
    if f.min_sources:
        conds.append(Fact.source_count >= f.min_sources)
    if f.kind == "new":
        conds.append(Fact.revises_id.is_(None))
    elif f.kind == "revised":
        conds.append(Fact.revises_id.is_not(None))
    return conds


def find_fact_ids(session: Session, query: str | None = None, filters: Filters = Filters(),
                  limit: int | None = None) -> list[int]:
    """Ids of the facts matching ``query`` (ranked) or, without a query, the most recent first."""
    base = select(Fact.id).where(*fact_conditions(filters))
    if query:
        stmt = _ranked(session, base, Fact, Fact.subject, Fact.sentence, "facts_fts", parse_query(query))
        stmt = stmt.order_by(literal_column("score").desc(), Fact.id.desc())
    else:
        stmt = base.order_by(Fact.first_seen_at.desc(), Fact.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return [row[0] for row in session.execute(stmt)]


def fact_ids(session: Session, q: str, limit: int | None = None) -> list[int]:
    """Ranked ids of the facts whose subject or sentence match ``q`` (the console's ``q`` parameter)."""
    return find_fact_ids(session, q, limit=limit)


def search_articles(session: Session, query: str, filters: Filters = Filters(), limit: int = 20) -> list[ArticleHit]:
    """Articles matching every word of ``query``, best first, with a snippet and the facts they carry."""
    terms = parse_query(query)
    base = select(Article.id).where(*article_conditions(filters))
    stmt = _ranked(session, base, Article, Article.title, Article.text, "articles_fts", terms)
    stmt = stmt.order_by(literal_column("score").desc(), Article.published.desc().nulls_last(), Article.id.desc())
    ranked = session.execute(stmt.limit(limit)).all()
    if not ranked:
        return []
    ids = [r[0] for r in ranked]
    rows = {a.id: a for a in session.execute(
        select(Article.id, Article.title, Article.text, Article.url, Article.host, Article.published,
               Article.language).where(Article.id.in_(ids)))}
    carried: dict[int, list[int]] = {i: [] for i in ids}
    for article_id, fid in session.execute(
            select(FactSource.article_id, FactSource.fact_id).where(FactSource.article_id.in_(ids))
            .order_by(FactSource.fact_id)):
        carried[article_id].append(fid)
    hits = []
    for article_id, score in ranked:
        a = rows[article_id]
        hits.append(ArticleHit(id=a.id, title=a.title, url=a.url, host=a.host, published=a.published,
                               language=a.language, score=float(score), snippet=snippet(a.text or a.title, terms),
                               fact_ids=carried[article_id]))
    return hits


def _locate(text: str, term: str) -> list[tuple[int, int]]:
    """Where ``term`` (or, for an English word, its stem) occurs in ``text``, ignoring case."""
    forms = [term]
    if term.isascii() and len(term) > 4:
        forms.append(_SUFFIX.sub("", term.lower()))
    lowered = text.lower()
    for form in forms:
        form = form.lower()
        if _short(form) and form.isascii():
            pattern = rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])"
        else:
            pattern = re.escape(form)
        spans = [m.span() for m in re.finditer(pattern, lowered)]
        if spans:
            return spans
    return []


def snippet(text: str, terms: list[str], width: int = 180) -> Snippet:
    """The part of ``text`` around the first hit of any term, at most ``width`` characters, hits marked."""
    text = " ".join((text or "").split())
    spans = sorted(s for t in terms for s in _locate(text, t))
    if not spans:
        return Snippet(text[:width] + ("…" if len(text) > width else ""))
    start = max(0, spans[0][0] - width // 3)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(len(text), start + width)
    inside, last = [], start
    for a, b in spans:
        if a >= last and b <= end:
            inside.append((a, b))
            last = b
    prefix, suffix = ("…" if start else ""), ("…" if end < len(text) else "")
    shift = len(prefix) - start
    return Snippet(prefix + text[start:end] + suffix, tuple((a + shift, b + shift) for a, b in inside))
