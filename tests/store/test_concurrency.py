"""Two workers writing the same story or the same new figure at the same moment, on PostgreSQL.

Each round starts two threads (own connections) at a barrier; a hook holds every commit back for a
moment, so both transactions are open together every time and a lost race would show on every round,
not by luck of timing. A round ends with one article per URL, one fact with every source, one delivery.
"""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from alerts import select as alert_select
from extract.dedup import bands, fingerprint, is_near_duplicate, probes
from extract.records import Article, Detection, Figure, Mention
from store import migrate, session_scope
from store.articles import save_story
from store.models import Article as ArticleRow
from store.models import Delivery, Fact, FactSource, Subscriber, utcnow

ROUNDS = 12
pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
def slow_commits():
    """Every commit waits 50 ms first: the other worker's transaction is certainly open meanwhile."""
    def hold(_session):
        threading.Event().wait(0.05)

    event.listen(Session, "before_commit", hold)
    yield
    event.remove(Session, "before_commit", hold)


def story(seed: int) -> str:
    rng = random.Random(seed)
    words = ["chips", "quantum", "budget", "plan", "province", "robots", "factories", "growth", "funds",
             "research", "officials", "targets", "industry", "computing", "policy", "investors", "energy"]
    paragraphs = [" ".join(rng.choice(words) + str(rng.randrange(50)) for _ in range(40)) for _ in range(6)]
    return "\n".join(paragraphs)


def figure(value: float) -> Figure:
    return Figure(value=value, unit="CNY", phrase=f"{value:g} yuan", year=2030, subject="AI-related industry",
                  technologies=("ai",), sentence=f"The AI-related industry will reach {value:g} yuan by 2030.")


def store(url: str, url_text: str, title: str, value: float, db_url: str) -> None:
    text = f"{title}\n{url_text}"
    fp = fingerprint(text)
    detection = Detection(plans=["15th"], technologies=["ai"], figures=[figure(value)],
                          mentions=[Mention("plan", "15th", "15th Five-Year Plan", 1)])
    record = Article(url=url, canonical_url=url, title=title, text=text, date=dt.date(2026, 3, 12), language="en")
    with session_scope(db_url) as session:
        save_story(session, record, detection, fingerprint=fp, bands=bands(fp), probes=probes(fp),
                   same=is_near_duplicate)


def at_once(*calls) -> None:
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        barrier.wait()
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def facts_of(session, value: float) -> list[Fact]:
    return list(session.scalars(select(Fact).where(Fact.value == value)))


def sources(session, fact: Fact) -> int:
    return session.scalar(select(func.count()).select_from(FactSource).where(FactSource.fact_id == fact.id))


def test_same_story_from_two_feeds_at_once_is_one_article_one_fact_two_sources(db_url, slow_commits):
    migrate(db_url)
    for n in range(ROUNDS):
        value = (1000 + n) * 1e9  # distinct in six significant digits (the fact key)
        text = story(n)
        a, b = f"https://wire.example/{n}", f"https://paper.example/{n}"
        at_once(lambda: store(a, text, "Wire headline", value, db_url),
                lambda: store(b, text, "Paper headline, another edit", value, db_url))
        with session_scope(db_url) as s:
            rows = {r.canonical_url: r for r in s.scalars(select(ArticleRow).where(ArticleRow.canonical_url.in_([a, b])))}
            assert len(rows) == 2
            assert sorted(r.duplicate_of_id is not None for r in rows.values()) == [False, True], f"round {n}"
            (fact,) = facts_of(s, value)
            assert fact.source_count == 2 and sources(s, fact) == 2, f"round {n}"


def test_one_url_from_two_feeds_at_once_is_stored_once(db_url, slow_commits):
    migrate(db_url)
    for n in range(ROUNDS):
        value = (2000 + n) * 1e9
        url, text = f"https://wire.example/same/{n}", story(100 + n)
        at_once(lambda: store(url, text, "Headline", value, db_url),
                lambda: store(url, text, "Headline", value, db_url))
        with session_scope(db_url) as s:
            assert s.scalar(select(func.count()).select_from(ArticleRow).where(ArticleRow.canonical_url == url)) == 1
            (fact,) = facts_of(s, value)
            assert fact.source_count == 1 and sources(s, fact) == 1, f"round {n}"


def test_two_sightings_of_one_new_figure_at_once_are_one_fact_and_one_alert(db_url, slow_commits):
    migrate(db_url)
    now = utcnow()
    with session_scope(db_url) as s:
        s.add(Subscriber(name="desk", email="desk@example.com", created_at=now - dt.timedelta(hours=1)))
    for n in range(ROUNDS):
        value = (3000 + n) * 1e9
        at_once(lambda: store(f"https://a.example/{n}", story(200 + n), "One story", value, db_url),
                lambda: store(f"https://b.example/{n}", story(300 + n), "Another story", value, db_url))
        at_once(*[lambda: _enqueue(db_url)] * 2)
        with session_scope(db_url) as s:
            (fact,) = facts_of(s, value)
            assert fact.source_count == 2 and sources(s, fact) == 2, f"round {n}"
            assert s.scalar(select(func.count()).select_from(Delivery).where(Delivery.fact_id == fact.id)) == 1


def _enqueue(db_url: str) -> None:
    with session_scope(db_url) as session:
        alert_select.enqueue(session, utcnow())
