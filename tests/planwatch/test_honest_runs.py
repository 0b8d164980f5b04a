"""Runs that tell the truth: failing polls fail, idle runs say why, forced runs poll, alerts know when nothing is new."""

import datetime as dt
import logging
import socket

import pytest
from sqlalchemy import select, update

from extract.errors import ConfigError, PollFailed
from planwatch import cli, settings, stages
from planwatch.demo import write_config
from planwatch.standins import Reply

FEED = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title>'
        "<link>{base}/a.html</link><guid>a</guid></item></channel></rss>")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def configure(tmp_path, monkeypatch, feeds, **extra):
    env = write_config(tmp_path / "config", feeds, [])
    env.update({"PLANWATCH_HOME": str(tmp_path), "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1",
                "PLANWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'pw.db'}", **extra})
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return settings.load()


def feed_rows(cfg):
    from store import session_scope
    from store.models import Feed

    with session_scope(cfg.database_url) as s:
        return {f.name: f for f in s.scalars(select(Feed))}


@pytest.fixture
def good(http_server):
    http_server.routes["/ok.xml"] = Reply(200, FEED.format(base=http_server.url("").rstrip("/")),
                                          {"Content-Type": "application/rss+xml"})
    return http_server.url("/ok.xml")


def dead(n):
    return [(f"dead {i}", f"http://127.0.0.1:{closed_port()}/feed{i}.xml") for i in range(n)]


def poll_all(cfg):
    return [stages.poll_batch(batch, cfg) for batch in stages.prepare(cfg)]


def test_a_poll_where_every_feed_fails_fails_after_recording_each(tmp_path, monkeypatch):
    cfg = configure(tmp_path, monkeypatch, dead(3))
    with pytest.raises(PollFailed) as err:
        poll_all(cfg)
    assert "3 of 3 feeds failed (every one" in str(err.value)
    assert all(f"dead {i}: fetch:" in str(err.value) for i in range(3))
    for feed in feed_rows(cfg).values():
        assert feed.failures == 1 and feed.last_error.startswith("fetch:") and feed.next_poll_at is not None


def test_more_than_the_allowed_share_fails_a_smaller_share_ends_green(tmp_path, monkeypatch, good):
    cfg = configure(tmp_path, monkeypatch, [("good", good)] + dead(2))
    with pytest.raises(PollFailed, match=r"2 of 3 feeds failed \(more than 50%"):
        poll_all(cfg)
    assert feed_rows(cfg)["good"].entry_count == 1  # the feed that answered is recorded all the same

    cfg = configure(tmp_path / "lenient", monkeypatch, [("good", good)] + dead(2), PLANWATCH_POLL_FAILURE_PERCENT="70")
    [summary] = poll_all(cfg)
    assert summary["errors"] == 2 and len(summary["problems"]) == 2

    cfg = configure(tmp_path / "one-bad", monkeypatch, [("good", good), ("good too", good + "?x=1")] + dead(1))
    [summary] = poll_all(cfg)
    assert summary["errors"] == 1 and summary["problems"][0].startswith("dead 0: fetch:")


def test_the_failure_share_setting_is_validated(monkeypatch, tmp_path):
    configure(tmp_path, monkeypatch, [])
    monkeypatch.setenv("PLANWATCH_POLL_FAILURE_PERCENT", "150")
    with pytest.raises(ConfigError, match="PLANWATCH_POLL_FAILURE_PERCENT"):
        settings.load()


def test_nothing_due_says_why_and_when_force_and_feeds_poll_anyway(tmp_path, monkeypatch, good, caplog):
    cfg = configure(tmp_path, monkeypatch, [("good", good)] + dead(1))
    poll_all(cfg)
    caplog.set_level(logging.INFO, logger="planwatch")
    assert stages.prepare(cfg) == []
    why = [r.getMessage() for r in caplog.records if "no feed is due" in r.getMessage()]
    assert len(why) == 1
    assert "of 2 enabled feeds, 1 are backing off after failures, 0 are dormant and 1 are waiting" in why[0]
    assert "next due: 'good' at " in why[0] and "force" in why[0]

    ids = {f.name: f.id for f in feed_rows(cfg).values()}
    assert stages.prepare(cfg, feeds=["dead 0"]) == [[ids["dead 0"]]]
    assert feed_rows(cfg)["dead 0"].failures == 1  # only the backoff is cleared
    assert sorted(stages.prepare(cfg, force=True)[0]) == sorted(ids.values())
    with pytest.raises(ConfigError, match=r"no enabled feed named 'nope'.*fix: use a name"):
        stages.prepare(cfg, feeds=["nope"])


def test_cli_poll_now(tmp_path, monkeypatch, good, capsys):
    cfg = configure(tmp_path, monkeypatch, [("good", good)] + dead(2))
    with pytest.raises(PollFailed):
        poll_all(cfg)
    assert cli.main(["feeds", "--poll-now", "dead 1"]) == 0
    assert "polls 1 feed(s) now: dead 1" in capsys.readouterr().out
    rows = feed_rows(cfg)
    assert rows["dead 1"].next_poll_at is None and rows["dead 0"].next_poll_at is not None
    assert cli.main(["feeds", "--all"]) == 0
    assert all(f.next_poll_at is None for f in feed_rows(cfg).values())
    assert cli.main(["feeds", "--poll-now", "Xinhua"]) == 2
    assert "no enabled feed named 'Xinhua'" in capsys.readouterr().err


def test_alerts_know_when_nothing_is_new(tmp_path, monkeypatch):
    from store import migrate, session_scope
    from store.models import Article, Delivery, Fact, Subscriber

    cfg = configure(tmp_path, monkeypatch, [])
    zero = stages.asset_extra({})
    assert zero == {"new_facts": 0, "revisions": 0, "corroborations": 0, "new_articles": 0}
    assert "nothing new: 2 planwatch://facts event(s)" in stages.nothing_to_alert([zero, zero], cfg)
    assert stages.nothing_to_alert([zero, {**zero, "corroborations": 1}], cfg) is None
    assert stages.nothing_to_alert([{**zero, "new_facts": 3}], cfg) is None
    assert stages.nothing_to_alert([], cfg) is None  # a manual run
    assert stages.nothing_to_alert([{}], cfg) is None  # an event without counts

    migrate(cfg.database_url)
    with session_scope(cfg.database_url) as s:
        article = Article(canonical_url="https://x.example/a", url="https://x.example/a")
        sub = Subscriber(name="desk", email="d@example.com")
        s.add_all([article, sub])
        s.flush()
        fact = Fact(unit="percent", value=7, value_key="7", first_article_id=article.id)
        s.add(fact)
        s.flush()
        s.add(Delivery(subscriber_id=sub.id, fact_id=fact.id, status="pending",
                       next_attempt_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))
    assert stages.nothing_to_alert([zero], cfg) is None  # a retry is due: the pass must run
    with session_scope(cfg.database_url) as s:
        s.execute(update(Delivery).values(status="sent"))
    assert stages.nothing_to_alert([zero], cfg) is not None
