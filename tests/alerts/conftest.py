"""Fixtures for the alerts tests: a migrated store, a builder of articles/facts/subscribers, settings
pointing at the local SMTP server and Slack stand-in, and the seed article's four figures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from planwatch.settings import Settings
from store.db import migrate, session_scope
from store.models import Article, Delivery, Fact, FactSource, Subscriber

NOW = dt.datetime(2026, 3, 12, 9, 0, tzinfo=dt.timezone.utc)
SEED_URL = "https://edition.cnn.com/2026/03/12/china/china-five-year-plan-tech-intl-hnk"
SLACK_CONN = "slack_test"


@pytest.fixture
def store_url(db_url):
    migrate(db_url)
    return db_url


class Builder:
    """Writes articles, facts and subscribers straight into the store (each call its own transaction)."""

    def __init__(self, url: str):
        self.url = url
        self._n = 0

    def article(self, url: str | None = None, title: str = "", published: dt.date | None = dt.date(2026, 3, 12),
                language: str = "en", plans=("15th",)) -> int:
        self._n += 1
        url = url or f"https://news.example.com/story-{self._n}"
        with session_scope(self.url) as s:
            a = Article(canonical_url=url, url=url, host=url.split("/")[2], title=title, text="", published=published,
                        language=language, plans=list(plans), technologies=[])
            s.add(a)
            s.flush()
            return a.id

    def fact(self, subject: str = "AI-related industry", value: float = 1e13, unit: str = "CNY", *,
             qualifier: str | None = None, year: int | None = None, technologies=("ai",), plans=("15th",),
             language: str = "en", sources: int = 1, seen: dt.datetime = NOW, revises: int | None = None,
             phrase: str = "", sentence: str = "", alt: tuple[float, str] | None = None, article: int | None = None,
             title: str = "", url: str | None = None) -> int:
        article = article or self.article(url=url, title=title, language=language, plans=plans)
        with session_scope(self.url) as s:
            f = Fact(subject=subject, subject_key=subject.lower(), unit=unit, value=value, value_key=f"{value:.6g}",
                     qualifier=qualifier, year=year, alt_value=alt[0] if alt else None, alt_unit=alt[1] if alt else None,
                     technologies=list(technologies), plans=list(plans), language=language,
                     phrase=phrase or f"{value:g} {unit}", sentence=sentence or f"The {subject} is {value:g} {unit}.",
                     first_article_id=article, source_count=sources, revises_id=revises, first_seen_at=seen,
                     last_seen_at=seen)
            s.add(f)
            s.flush()
            s.add(FactSource(fact_id=f.id, article_id=article, host="news.example.com", seen_at=seen))
            return f.id

    def subscriber(self, name: str, *, email: str | None = None, slack: str | None = None, mode: str = "instant",
                   technologies=(), plans=(), languages=(), min_sources: int = 1, muted: bool = False,
                   active: bool = True, created: dt.datetime = NOW - dt.timedelta(hours=1)) -> int:
        if email is None and slack is None:
            email = f"{name}@example.com"
        with session_scope(self.url) as s:
            sub = Subscriber(name=name, email=email, slack_connection=slack, mode=mode, technologies=list(technologies),
                             plans=list(plans), languages=list(languages), min_sources=min_sources, muted=muted,
                             active=active, created_at=created, updated_at=created)
            s.add(sub)
            s.flush()
            return sub.id

    def deliveries(self, subscriber_id: int | None = None) -> list[Delivery]:
        from sqlalchemy import select

        with session_scope(self.url) as s:
            q = select(Delivery).order_by(Delivery.id)
            if subscriber_id is not None:
                q = q.where(Delivery.subscriber_id == subscriber_id)
            return list(s.scalars(q))


@pytest.fixture
def build(store_url):
    return Builder(store_url)


@pytest.fixture
def connections(smtp_server, slack_server, monkeypatch):
    """AIRFLOW_CONN_* variables for the local SMTP server and Slack stand-in (JSON form)."""
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp_server.port, "login": "", "password": "",
        "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "planwatch@localhost", "timeout": 10}}))
    monkeypatch.setenv(f"AIRFLOW_CONN_{SLACK_CONN.upper()}", json.dumps(
        {"conn_type": "slackwebhook", "password": slack_server.webhook_url}))
    return {"smtp": smtp_server, "slack": slack_server}


def make_settings(url: str, home: Path, **overrides) -> Settings:
    values = dict(home=home, database_url=url, feeds_path=home / "feeds.yaml",
                  subscribers_path=home / "subscribers.yaml", taxonomy_path=home / "taxonomy.yaml",
                  smtp_conn_id="smtp_default", mail_from="planwatch@localhost", max_instant_alerts=10)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(store_url, tmp_path, connections):
    return make_settings(store_url, tmp_path)


@pytest.fixture
def seed_facts():
    """The seed article's four figures as (unsaved) Fact and Article objects, as the extractor stores them."""
    article = Article(id=1, canonical_url=SEED_URL, url=SEED_URL, host="edition.cnn.com", title="",
                      published=dt.date(2026, 3, 12), language="en", plans=["15th"], technologies=[])
    rows = [
        dict(subject="annual budget for science and technology", unit="percent", value=10.0, qualifier=None,
             year=None, technologies=[], phrase="10% increase",
             sentence="Beijing has committed to a 10% increase in annual budget for science and technology – in "
                      "line with the pace of growth over the past two years."),
        dict(subject="annual research and development investment", unit="percent", value=7.0, qualifier="at_least",
             year=None, technologies=[], phrase="at least 7%",
             sentence="The plan also set a goal of expanding annual research and development investment by at "
                      "least 7%."),
        dict(subject="AI-related industry", unit="CNY", value=1e13, qualifier="more_than", year=2030,
             technologies=["ai"], phrase="more than 10 trillion yuan ($1.45 trillion)", alt_value=1.45e12,
             alt_unit="USD",
             sentence="Together, the initiatives aim to expand China’s AI-related industry to more than 10 trillion "
                      "yuan ($1.45 trillion) in value by the end of 2030, officials said last week."),
        dict(subject="'artificial intelligence' mentioned in the plan", unit="count", value=50.0,
             qualifier="more_than", year=None, technologies=["ai"], phrase="more than 50 times",
             sentence="The term “artificial intelligence” was mentioned in the plan more than 50 times – and it’s a "
                      "field where China has already proven itself a top player, dominating open-source large "
                      "language models and raising huge sums in market debuts."),
    ]
    facts = [Fact(id=i, first_article_id=1, source_count=1, plans=["15th"], language="en", **row)
             for i, row in enumerate(rows, 1)]
    return facts, article


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def settings_for():
    """make_settings(url, home, **overrides) -> Settings."""
    return make_settings


@pytest.fixture
def concurrently():
    """``concurrently(fn, n)``: start ``fn`` in ``n`` threads at the same instant; their results (errors fail)."""
    return _run_concurrently


def _run_concurrently(fn, n: int) -> list:
    import threading

    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results
