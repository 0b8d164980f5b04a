"""Full-text search over articles and facts, and the filters shared by `search`, `facts` and the console.

The index is kept by the database (migration 0005), written in the same transaction as the row, so
ingest code does nothing for search. On SQLite: ``<table>_fts``, FTS5 with porter stemming, for words;
``<table>_cjk``, FTS5 with the trigram tokenizer over the rows that hold Chinese, for Chinese words
inside running text. On PostgreSQL: a generated ``search_vector`` tsvector column with a GIN index.

Query semantics: every word of a query must occur (a "quoted phrase" counts as one word). English
words are stemmed on both databases (``funds`` finds ``funding``; AI and 6G are words like any other).
A Chinese word is found anywhere inside the text (人工智能, 算力 in 全国算力总规模). A title hit
ranks above a body hit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import String, case, cast, column, exists, func, literal, literal_column, or_, select, table, text
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

INDEX_TABLES = ("articles_fts", "facts_fts", "articles_cjk", "facts_cjk")  # SQLite FTS5 tables, shadow tables, vocabularies
INDEX_COLUMN = "search_vector"  # PostgreSQL generated tsvector column
TITLE_WEIGHT = 10.0  # bm25 weight of the title (subject) column against 1.0 for the text (sentence)
MAX_GRAMS = 2000  # a one- or two-character word starting more trigrams than this is too common to look up
TITLE_BONUS = 100.0  # score added per query word found in the title; bm25 and ts_rank stay far below it
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORDLIKE = re.compile(r"\w")
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


def _fts_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _cjk_match(session: Session, table_name: str, term: str) -> str | None:
    """The trigram-index expression for a word inside Chinese text; None when no row can contain it.

    A word of one or two characters is shorter than a trigram: it becomes the trigrams that start
    with it, read from the index's vocabulary (every column is indexed with a trailing newline, so
    a word at the end of a column starts one too).
    """
    if len(term) >= 3:
        return _fts_string(term)
    grams = session.execute(
        text(f"SELECT term FROM {table_name}_cjk_vocab WHERE term >= :p AND term < :p || char(1114111) LIMIT :n"),
        {"p": term.lower(), "n": MAX_GRAMS + 1}).scalars().all()
    if not grams or len(grams) > MAX_GRAMS:
        return None
    return "(" + " OR ".join(_fts_string(g) for g in grams) + ")"


def _stage(base: Select, model, head_name: str, groups: list[tuple[str, list[str]]]) -> Select:
    """Rows matching every expression, each in its FTS table; bm25 of the first table, title words first."""
    in_title = literal(0.0)
    for table_name, exprs in groups:
        fts = table(table_name, column("rowid"))
        for expr in exprs:
            titled = select(fts.c.rowid).where(literal_column(table_name).op("MATCH")(f"{head_name} : ({expr})"))
            in_title = in_title + func.iif(model.id.in_(titled), TITLE_BONUS, 0.0)
    (primary, exprs), *others = groups
    fts = table(primary, column("rowid"))
    score = in_title - func.bm25(literal_column(primary), TITLE_WEIGHT, 1.0)
    stmt = base.add_columns(score.label("score")).join(fts, fts.c.rowid == model.id)
    stmt = stmt.where(literal_column(primary).op("MATCH")(" AND ".join(exprs)))
    for table_name, exprs in others:
        other = table(table_name, column("rowid"))
        stmt = stmt.where(model.id.in_(select(other.c.rowid).where(
            literal_column(table_name).op("MATCH")(" AND ".join(exprs)))))
    return stmt


def _sqlite_ranked(session: Session, base: Select, model, head_name: str, terms: list[str]) -> list[Select]:
    """One query through the word index (Chinese words checked in the trigram index) and one through the
    trigram index alone, which finds English words and numbers inside Chinese text (到2030年)."""
    name = model.__tablename__
    words = [t for t in terms if not _CJK.search(t) and _WORDLIKE.search(t)]
    chinese = [t for t in terms if _CJK.search(t)]
    if not words and not chinese:
        raise QueryError("search: the query has no words to look for, only punctuation")
    in_cjk = {t: _cjk_match(session, name, t) for t in chinese + words}
    if any(in_cjk[t] is None for t in chinese):
        return []
    stages = []
    if words:
        groups = [(f"{name}_fts", [_fts_string(t) for t in words])]
        if chinese:
            groups.append((f"{name}_cjk", [in_cjk[t] for t in chinese]))
        stages.append(_stage(base, model, head_name, groups))
    if all(in_cjk.values()):
        stages.append(_stage(base, model, head_name, [(f"{name}_cjk", [in_cjk[t] for t in chinese + words])]))
    return stages


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


def _ranked(session: Session, base: Select, model, head, terms: list[str],
            limit: int | None) -> list[tuple[int, float]]:
    """(id, score) of the rows of ``base`` (selecting ``model.id``) matching every term, best first.

    Words found in the title (subject) come first: bm25 or ts_rank alone let a long body outrank a title.
    """
    if session.get_bind().dialect.name == "postgresql":
        stages = [_pg_ranked(base, model, terms)]
    else:
        stages = _sqlite_ranked(session, base, model, head.key, terms)
    scores: dict[int, float] = {}
    for stmt in stages:
        stmt = stmt.order_by(literal_column("score").desc(), model.id.desc())
        for row_id, score in session.execute(stmt if limit is None else stmt.limit(limit)):
            scores[row_id] = max(float(score), scores.get(row_id, float("-inf")))
    return [(i, scores[i]) for i in sorted(scores, key=lambda i: (-scores[i], -i))[:limit]]


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
        return [i for i, _ in _ranked(session, base, Fact, Fact.subject, parse_query(query), limit)]
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
    ranked = dict(_ranked(session, base, Article, Article.title, terms, limit))
    if not ranked:
        return []
    ids = list(ranked)
    rows = {a.id: a for a in session.execute(
        select(Article.id, Article.title, Article.text, Article.url, Article.host, Article.published,
               Article.language).where(Article.id.in_(ids)))}
    carried: dict[int, list[int]] = {i: [] for i in ids}
    for article_id, fid in session.execute(
            select(FactSource.article_id, FactSource.fact_id).where(FactSource.article_id.in_(ids))
            .order_by(FactSource.fact_id)):
        carried[article_id].append(fid)
    hits = []
    for article_id in ids:
        a = rows[article_id]
        hits.append(ArticleHit(id=a.id, title=a.title, url=a.url, host=a.host, published=a.published,
                               language=a.language, score=ranked[article_id], snippet=snippet(a.text or a.title, terms),
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
        if len(form) < 3 and form.isascii():
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
