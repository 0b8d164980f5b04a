"""The console's store queries on SQLite and PostgreSQL: filters, trends per day and week, feeds, the outbox."""

import datetime as dt

import pytest

from store import migrate, session_scope
from store import console as q
from store.models import Article, Delivery, Fact, FactSource, Feed, Figure, Mention, Subscriber

TODAY = dt.date(2026, 3, 20)  # a Friday


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone.utc)


@pytest.fixture
def store(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        arts = [Article(canonical_url=f"https://o{i}.example/a", url=f"https://o{i}.example/a", host=f"o{i}.example",
                        title=f"Story {i}", fetched_at=at(TODAY - dt.timedelta(days=i)), published=TODAY)
                for i in range(3)]
        s.add_all(arts)
        s.flush()
        specs = [  # (technologies, language, days ago, sources)
            (["ai"], "en", 0, 1), (["ai", "semiconductors"], "en", 0, 2), (["semiconductors"], "zh-CN", 1, 3),
            (["quantum"], "en", 8, 1),
        ]
        facts = []
        for n, (techs, lang, ago, sources) in enumerate(specs):
            facts.append(Fact(subject=f"subject {n}", unit="CNY", value=n + 1.0, value_key=str(n + 1), phrase=f"{n + 1} yuan",
                              sentence=f"It is {n + 1} yuan, officials said.", technologies=techs, plans=["15th"],
                              language=lang, first_article_id=arts[0].id, source_count=sources,
                              first_seen_at=at(TODAY - dt.timedelta(days=ago))))
        s.add_all(facts)
        s.flush()
        facts[1].revises_id = facts[0].id
        for i, art in enumerate(arts[:2]):
            s.add(FactSource(fact_id=facts[1].id, article_id=art.id, host=art.host, seen_at=at(TODAY)))
            s.add(Figure(article_id=art.id, ordinal=0, fact_id=facts[1].id, value=2, unit="CNY",
                         sentence=f"Outlet {i} says 2 yuan.", phrase="2 yuan"))
        s.add_all([Mention(article_id=arts[0].id, kind="technology", key="ai", term="AI", count=4),
                   Mention(article_id=arts[2].id, kind="technology", key="ai", term="AI", count=1),
                   Mention(article_id=arts[2].id, kind="plan", key="15th", term="十五五", count=9)])
        s.add_all([Feed(config_url=f"https://f{i}.example/rss", url=f"https://f{i}.example/rss", name=name,
                        failures=fails, dormant=dormant, enabled=True, entry_count=i, last_polled_at=at(TODAY))
                   for i, (name, fails, dormant) in enumerate([("b ok", 0, False), ("a sleepy", 30, True),
                                                               ("c failing", 2, False), ("d worse", 5, False)])])
        sub = Subscriber(name="desk", email="d@example.com")
        s.add(sub)
        s.flush()
        s.add_all([Delivery(subscriber_id=sub.id, fact_id=facts[0].id, status="failed", attempts=8, last_error="x"),
                   Delivery(subscriber_id=sub.id, fact_id=facts[1].id, status="sent", attempts=1)])
        ids = [f.id for f in facts]
    return db_url, ids


def listed(url, **kw):
    with session_scope(url) as s:
        return [f.id for f in q.list_facts(s, q.FactFilter(**kw)).facts]


def test_fact_filters(store):
    url, ids = store
    assert listed(url) == [ids[1], ids[0], ids[2], ids[3]]  # newest first (same stamp: higher id first)
    assert listed(url, technology="semiconductors") == [ids[1], ids[2]]
    assert listed(url, technology="semi") == []  # a whole list element, not a substring
    assert listed(url, language="zh-CN") == [ids[2]]
    assert listed(url, kind="revised") == [ids[1]] and ids[1] not in listed(url, kind="new")
    assert listed(url, min_sources=2) == [ids[1], ids[2]]
    assert listed(url, since=TODAY - dt.timedelta(days=1), until=TODAY - dt.timedelta(days=1)) == [ids[2]]
    assert listed(url, plan="15th", limit=1, offset=1) == [ids[0]]


def test_fact_detail_sightings_and_history(store):
    url, ids = store
    with session_scope(url) as s:
        detail = q.fact_detail(s, ids[1])
        assert [x.outlet for x in detail.sightings] == ["o0.example", "o1.example"]
        assert detail.sightings[1].sentence == "Outlet 1 says 2 yuan." and detail.sightings[1].phrase == "2 yuan"
        assert [h.id for h in detail.history] == [ids[0], ids[1]]
        assert [h.id for h in q.fact_detail(s, ids[0]).history] == [ids[0], ids[1]]
        assert q.fact_detail(s, ids[3]).history == [] and q.fact_detail(s, 10**6) is None


def test_trends_per_day_and_week(store):
    url, _ = store
    with session_scope(url) as s:
        daily = q.trends(s, bucket="day", days=7, today=TODAY)
        assert daily.buckets[-1] == TODAY and len(daily.buckets) == 7
        assert daily.facts["ai"][-1] == 2 and daily.facts["semiconductors"][-2:] == [1, 1]
        assert "quantum" not in daily.facts  # eight days ago: outside the window
        assert daily.mentions == {"ai": [0, 0, 0, 0, 1, 0, 4]}  # plan mentions are not technologies
        weekly = q.trends(s, bucket="week", days=14, today=TODAY)
        assert weekly.buckets == [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)]
        assert weekly.facts["quantum"] == [0, 1, 0] and weekly.facts["semiconductors"] == [0, 0, 2]
        # a fact stored today shows at once, though earlier days come from the cache
        art = s.query(Article).first()
        s.add(Fact(unit="percent", value=9, value_key="9", technologies=["ai"], first_article_id=art.id,
                   first_seen_at=at(TODAY, 23)))
        s.flush()
        assert q.trends(s, bucket="day", days=7, today=TODAY).facts["ai"][-1] == 3


def test_feeds_failing_first_and_the_outbox(store):
    url, ids = store
    with session_scope(url) as s:
        assert [f.name for f in q.list_feeds(s)] == ["d worse", "c failing", "a sleepy", "b ok"]
        assert [f.status for f in q.list_feeds(s)] == ["failing", "failing", "dormant", "ok"]
        assert [f.name for f in q.list_feeds(s, "entries", descending=True)][0] == "d worse"
        board = q.delivery_board(s)
        assert board.by_state == {"pending": 0, "sent": 1, "failed": 1}
        assert board.by_subscriber == {"desk": {"pending": 0, "sent": 1, "failed": 1}}
        failed = q.delivery_board(s, status="failed").deliveries
        assert len(failed) == 1 and failed[0].fact == "subject 0: 1 yuan"
        assert q.retry_delivery(s, failed[0].id) is True
        assert q.retry_delivery(s, failed[0].id) is False  # pending now: nothing to retry
        assert q.delivery_board(s).by_state == {"pending": 1, "sent": 1, "failed": 0}
