"""alerts.select: facts × subscriber filters → pending deliveries, once per (subscriber, fact), also under concurrency."""

import datetime as dt

from alerts.select import enqueue
from store.db import session_scope


def _enqueue(url, now):
    with session_scope(url) as s:
        return enqueue(s, now)


def _routed(build):
    out = {}
    for d in build.deliveries():
        out.setdefault(d.subscriber_id, set()).add(d.fact_id)
    return out


def test_filters_route_facts_to_the_right_subscribers(build, store_url, now):
    ai = build.fact("AI-related industry", 1e13, "CNY", technologies=["ai"])
    chips = build.fact("chip fund", 3e11, "CNY", technologies=["semiconductors"], sources=3)
    old_plan = build.fact("robot density", 500, "count", technologies=["robotics"], plans=["14th"])
    chinese = build.fact("量子 投资", 1e11, "CNY", technologies=["quantum"], language="zh")
    everyone = build.subscriber("everyone")
    ai_only = build.subscriber("ai-only", technologies=["ai", "quantum"])
    plan14 = build.subscriber("plan-14", plans=["14th"])
    zh = build.subscriber("zh", languages=["zh"])
    corroborated = build.subscriber("corroborated", min_sources=2, slack="slack_test")
    build.subscriber("muted", muted=True)
    build.subscriber("removed", active=False)

    assert _enqueue(store_url, now) == 4 + 2 + 1 + 1 + 1
    assert _routed(build) == {
        everyone: {ai, chips, old_plan, chinese},
        ai_only: {ai, chinese},
        plan14: {old_plan},
        zh: {chinese},
        corroborated: {chips},
    }
    rows = build.deliveries()
    assert {(d.status, d.kind, d.attempts) for d in rows} == {("pending", "new", 0)}
    assert {d.mode for d in rows if d.subscriber_id == corroborated} == {"instant"}


def test_rerun_adds_nothing_and_later_corroboration_is_picked_up(build, store_url, now):
    from store.models import Fact

    fact = build.fact(sources=1)
    picky = build.subscriber("picky", min_sources=2)
    build.subscriber("all")
    assert _enqueue(store_url, now) == 1
    assert _enqueue(store_url, now) == 0
    with session_scope(store_url) as s:
        s.get(Fact, fact).source_count = 2
    assert _enqueue(store_url, now) == 1
    assert _routed(build)[picky] == {fact}


def test_revision_and_digest_mode(build, store_url, now):
    old = build.fact("AI-related industry", 1e13, "CNY", year=2030, seen=now - dt.timedelta(hours=5))
    new = build.fact("AI-related industry", 1.2e13, "CNY", year=2030, revises=old)
    sub = build.subscriber("morning", mode="digest")
    _enqueue(store_url, now)
    kinds = {d.fact_id: (d.kind, d.mode) for d in build.deliveries(sub)}
    assert kinds == {old: ("new", "digest"), new: ("revision", "digest")}


def test_new_subscriber_does_not_get_the_whole_history(build, store_url, now):
    created = now - dt.timedelta(hours=2)
    ancient = build.fact("old figure", 1, "percent", seen=created - dt.timedelta(days=30))
    yesterday = build.fact("yesterday's figure", 2, "percent", seen=created - dt.timedelta(hours=20))
    fresh = build.fact("fresh figure", 3, "percent", seen=now)
    sub = build.subscriber("newcomer", created=created)
    _enqueue(store_url, now)
    assert {d.fact_id for d in build.deliveries(sub)} == {yesterday, fresh}
    assert ancient not in {d.fact_id for d in build.deliveries()}


def test_concurrent_enqueue_writes_each_row_once(build, store_url, now, concurrently):
    facts = [build.fact(f"figure {i}", i, "percent") for i in range(30)]
    for i in range(3):
        build.subscriber(f"s{i}")
    counts = concurrently(lambda: _enqueue(store_url, now), 4)
    assert sum(counts) == 90 == len(build.deliveries())
    assert len({(d.subscriber_id, d.fact_id) for d in build.deliveries()}) == 90 and len(facts) == 30
