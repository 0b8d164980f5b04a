"""alerts.outbox against a real SMTP server, the Slack stand-in and a real database: at most one alert per
(subscriber, fact), flood control, retries and permanent failures, digests, and a crash mid-run."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from alerts.outbox import LEASE, failed_deliveries, send_digest, send_pending
from alerts.select import enqueue
from servers import HoldingSMTPServer, Reply
from store.db import session_scope
from store.models import Delivery

REPO = Path(__file__).resolve().parents[2]
MINUTE = dt.timedelta(minutes=1)


def _enqueue(url, now):
    with session_scope(url) as s:
        return enqueue(s, now)


def _texts(smtp_server):
    return [m.get_body(("plain",)).get_content() for m in smtp_server.messages]


def _status(build):
    return sorted((d.status, d.mode) for d in build.deliveries())


def test_instant_alerts_by_email_and_slack_once(build, settings, now, smtp_server, slack_server):
    build.subscriber("desk", email="desk@example.com")
    build.subscriber("newsroom", slack="slack_test")
    build.fact("AI-related industry", 1e13, "CNY", qualifier="more_than", year=2030, alt=(1.45e12, "USD"),
               phrase="more than 10 trillion yuan ($1.45 trillion)",
               sentence="It aims at more than 10 trillion yuan ($1.45 trillion) by 2030.")
    build.fact("chip fund", 3e11, "CNY", technologies=["semiconductors"])
    assert _enqueue(settings.database_url, now) == 4

    summary = send_pending(settings, now)
    assert (summary.sent, summary.failed, summary.retried, summary.messages) == (4, 0, 0, 2)
    assert len(smtp_server.messages) == 1 and len(slack_server.posts) == 1
    assert smtp_server.messages[0]["Subject"] == "planwatch: AI-related industry > 10 trillion yuan by 2030 (+1 more)"
    assert {tuple(rcpts) for _, rcpts in smtp_server.envelopes} == {("desk@example.com",)}
    msg = smtp_server.messages[0]
    assert msg.get_content_type() == "multipart/alternative" and msg["List-Unsubscribe"]
    assert "10 trillion yuan (≈ 1.45 trillion US dollars)" in _texts(smtp_server)[0]
    assert "chip fund: 300 billion yuan" in _texts(smtp_server)[0]
    assert all(p["blocks"][0]["type"] == "header" for p in slack_server.posts)
    assert _status(build) == [("sent", "instant")] * 4

    # the next runs send nothing again
    assert _enqueue(settings.database_url, now + MINUTE) == 0
    assert send_pending(settings, now + MINUTE).messages == 0
    assert len(smtp_server.messages) == 1 and len(slack_server.posts) == 1


def test_25_new_facts_from_6_stories_give_one_email_and_one_slack_post(build, settings, now, smtp_server,
                                                                       slack_server):
    build.subscriber("desk")
    build.subscriber("newsroom", slack="slack_test")
    stories = [build.article(title=f"Story {n}") for n in range(6)]
    old = build.fact("AI-related industry", 1e13, "CNY", year=2030, seen=now - dt.timedelta(days=3))
    with session_scope(settings.database_url) as s:  # the old fact was alerted long ago
        s.query(Delivery).delete()
    for i in range(24):
        build.fact(f"figure {i}", i + 1, "percent", article=stories[i % 6], seen=now - dt.timedelta(seconds=100 - i))
    build.fact("AI-related industry", 1.2e13, "CNY", year=2030, revises=old, article=stories[5])
    _enqueue(settings.database_url, now)
    with session_scope(settings.database_url) as s:  # the subscribers joined after the old fact's alert
        s.query(Delivery).filter(Delivery.fact_id == old).delete()
    summary = send_pending(settings, now)
    assert summary.sent == 50 and summary.messages == 2
    assert len(smtp_server.messages) == 1 and len(slack_server.posts) == 1
    msg = smtp_server.messages[0]
    assert msg["Subject"] == "planwatch: revised: AI-related industry by 2030: 10 trillion → 12 trillion yuan (+24 more)"
    text = msg.get_body(("plain",)).get_content()
    assert text.count("\n* ") == 10 and text.count("\n- ") == 15  # flood control: 10 in full, 15 listed briefly
    assert text.index("Revised: AI-related industry") < text.index("Story: Story")
    heads = [line for line in text.splitlines() if line.startswith("Story: ")]
    assert len(heads) == len(set(heads))  # each story's figures together
    assert all(f"figure {i}:" in text for i in range(24))
    post = json.dumps(slack_server.posts[0], ensure_ascii=False)
    assert all(f"figure {i}:" in post for i in range(24)) and "*Revised:* AI-related industry" in post
    assert len(slack_server.posts[0]["blocks"]) <= 50
    assert sorted(d.mode for d in build.deliveries()).count("rollup") == 30
    # a second run sends nothing
    assert send_pending(settings, now + MINUTE).messages == 0


def test_smtp_451_then_success_gives_exactly_one_email(build, settings, now, smtp_server):
    build.subscriber("desk")
    build.fact()
    _enqueue(settings.database_url, now)
    smtp_server.codes.append("451 4.3.0 try later")
    first = send_pending(settings, now)
    assert (first.sent, first.retried, first.failed) == (0, 1, 0)
    assert smtp_server.messages == []
    (row,) = build.deliveries()
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at == now + MINUTE
    assert row.last_error.startswith("smtp: message deferred (451")
    assert send_pending(settings, now + dt.timedelta(seconds=30)).messages == 0  # backing off
    second = send_pending(settings, now + 2 * MINUTE)
    assert second.sent == 1 and len(smtp_server.messages) == 1
    assert send_pending(settings, now + 10 * MINUTE).messages == 0
    assert len(smtp_server.messages) == 1 and build.deliveries()[0].status == "sent"


def test_smtp_550_fails_for_good_and_is_shown_to_operators(build, settings, now, smtp_server):
    build.subscriber("gone", email="gone@example.com")
    build.subscriber("desk", email="desk@example.com")
    build.fact()
    _enqueue(settings.database_url, now)
    smtp_server.rcpt_codes["gone@example.com"] = "550 5.1.1 no such user"
    summary = send_pending(settings, now)
    assert (summary.sent, summary.failed) == (1, 1)
    assert summary.errors == ["smtp: recipient refused (550 5.1.1 no such user)"]
    assert [e[1] for e in smtp_server.envelopes] == [["desk@example.com"]]
    later = send_pending(settings, now + dt.timedelta(days=1))
    assert later.messages == 0 and later.failed == 0
    with session_scope(settings.database_url) as s:
        failed = failed_deliveries(s)
        assert [(d.subscriber.name, d.status, d.attempts) for d in failed] == [("gone", "failed", 1)]
        assert failed[0].last_error == "smtp: recipient refused (550 5.1.1 no such user)"


def test_smtp_server_down_is_transient(build, settings, now, settings_for, tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": dead_port,
        "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 5}}))
    build.subscriber("desk")
    build.subscriber("desk2")
    build.fact()
    build.fact("other", 5, "percent")
    _enqueue(settings.database_url, now)
    summary = send_pending(settings, now)
    # the first message (both of desk's deliveries) finds the server down; desk2's is not even tried in this run
    assert (summary.retried, summary.failed, summary.sent) == (2, 0, 0)
    assert summary.errors[0].startswith("smtp: cannot connect")
    assert sorted(d.attempts for d in build.deliveries()) == [0, 0, 1, 1]


def test_slack_429_retry_after_is_honoured(build, settings, now, slack_server):
    build.subscriber("newsroom", slack="slack_test")
    build.fact()
    _enqueue(settings.database_url, now)
    slack_server.responses.append(Reply(429, b"rate_limited", {"Retry-After": "30"}))
    first = send_pending(settings, now)
    assert first.errors == ["slack: rate limited (429), retry after 30 s"]
    assert (first.retried, first.sent) == (1, 0)
    assert len(slack_server.hits("/hook")) == 1  # no client-side retry
    limited = [d for d in build.deliveries() if d.attempts == 1][0]
    build.fact("chip fund", 3e11, "CNY", seen=now + dt.timedelta(seconds=1))
    _enqueue(settings.database_url, now + dt.timedelta(seconds=1))
    assert limited.next_attempt_at == now + dt.timedelta(seconds=30)

    before = send_pending(settings, now + dt.timedelta(seconds=29))
    assert before.sent == 1  # the one never tried goes; the rate-limited one still waits
    assert len(slack_server.hits("/hook")) == 2
    assert [d.status for d in build.deliveries() if d.id == limited.id] == ["pending"]

    after = send_pending(settings, now + dt.timedelta(seconds=31))
    assert after.sent == 1
    hits = [json.loads(r.body)["text"] for r in slack_server.hits("/hook")]
    assert len(hits) == 3 and hits[2] == hits[0] != hits[1]  # the rate-limited post, retried after 30 s
    assert {d.status for d in build.deliveries()} == {"sent"}


def test_slack_permanent_errors_fail_the_delivery(build, settings, now, slack_server):
    build.subscriber("newsroom", slack="slack_test")
    build.fact()
    _enqueue(settings.database_url, now)
    slack_server.responses.append(Reply(404, b"no_service"))
    summary = send_pending(settings, now)
    assert summary.failed == 1 and summary.errors == ["slack: webhook rejected the post (404 no_service)"]
    assert send_pending(settings, now + dt.timedelta(days=1)).messages == 0
    assert len(slack_server.hits("/hook")) == 1


def test_slack_5xx_is_retried(build, settings, now, slack_server):
    build.subscriber("newsroom", slack="slack_test")
    build.fact()
    _enqueue(settings.database_url, now)
    slack_server.responses.append(Reply(503, b"unavailable"))
    assert send_pending(settings, now).retried == 1
    assert send_pending(settings, now + 2 * MINUTE).sent == 1
    assert len(slack_server.hits("/hook")) == 2


HOSTILE = "<!channel> <script>alert(1)</script>\nBcc: victim@example.com"


def test_hostile_title_arrives_as_text_in_both_channels(build, settings, now, smtp_server, slack_server):
    build.subscriber("desk")
    build.subscriber("newsroom", slack="slack_test")
    build.fact(HOSTILE, 1e9, "CNY", title=HOSTILE, phrase="1 billion yuan",
               sentence=f"{HOSTILE} pledged 1 billion yuan.")
    _enqueue(settings.database_url, now)
    assert send_pending(settings, now).sent == 2

    (msg,) = smtp_server.messages
    assert msg["Bcc"] is None and smtp_server.envelopes[0][1] == ["desk@example.com"]
    assert "<script>" in msg["Subject"] and "\n" not in msg["Subject"]  # plain text in a header is fine
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;!channel&gt;" in html
    (post,) = slack_server.posts
    raw = json.dumps(post)
    assert "<!channel>" not in raw and "<script>" not in raw
    assert "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in raw


def test_many_long_figures_stay_one_slack_post_within_limits(build, settings_for, store_url, tmp_path, connections,
                                                            now):
    settings = settings_for(store_url, tmp_path, max_instant_alerts=1)
    slack = connections["slack"]
    build.subscriber("newsroom", slack="slack_test")
    for i in range(41):
        build.fact(f"figure {i}", i, "percent", sentence="x & y " * 600, seen=now - dt.timedelta(seconds=50 - i))
    _enqueue(store_url, now)
    summary = send_pending(settings, now)
    assert summary.sent == 41 and summary.rolled_up == 40
    posts = slack.posts
    assert len(posts) == 1
    for post in posts:
        assert len(post["blocks"]) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in post["blocks"] if b["type"] == "section")
    text = json.dumps(posts[0]["blocks"])
    assert all(text.count(f"figure {i}: {i}%") == 1 for i in range(41))  # each figure once: in full or listed


def test_digest_one_message_a_day(build, settings, now, smtp_server):
    sub = build.subscriber("morning", mode="digest")
    build.subscriber("instant")  # instant subscribers are not in the digest
    build.fact("AI-related industry", 1e13, "CNY")
    build.fact("chip fund", 3e11, "CNY", sources=4)
    _enqueue(settings.database_url, now)
    assert send_pending(settings, now).messages == 1  # the instant subscriber's one message; the digest waits

    first = send_digest(settings, now)
    assert first.messages == 1 and first.sent == 2
    digest = [m for m in smtp_server.messages if m["To"] == "morning@example.com"]
    assert len(digest) == 1 and digest[0]["Subject"] == "planwatch digest 2026-03-12: 2 new figures"

    build.fact("robot fund", 5e10, "CNY", seen=now + dt.timedelta(hours=2))
    build.fact("quantum lab", 2e10, "CNY", seen=now + dt.timedelta(hours=2), sources=6)
    _enqueue(settings.database_url, now + dt.timedelta(hours=2))
    assert send_digest(settings, now + dt.timedelta(hours=3)).messages == 0  # one a day
    next_day = now + dt.timedelta(days=1)
    second = send_digest(settings, next_day)
    assert second.messages == 1 and second.sent == 2
    digest = [m for m in smtp_server.messages if m["To"] == "morning@example.com"]
    assert len(digest) == 2 and digest[1]["Subject"] == "planwatch digest 2026-03-13: 2 new figures"
    text = digest[1].get_body(("plain",)).get_content()
    assert "NEW TODAY" in text and "robot fund" in text and "quantum lab" in text
    assert {d.mode for d in build.deliveries(sub)} == {"digest"}


def test_digest_lists_the_most_corroborated_facts(build, settings, now, smtp_server):
    build.subscriber("morning", mode="digest")  # subscribed after the old fact: not a delivery
    build.fact("old but much carried", 7, "percent", sources=5, seen=now - dt.timedelta(days=5))
    from store.models import Fact

    with session_scope(settings.database_url) as s:  # carried again today
        for f in s.scalars(select(Fact)):
            f.last_seen_at = now - dt.timedelta(hours=1)
    build.fact("today's figure", 3, "percent")
    _enqueue(settings.database_url, now)
    assert send_digest(settings, now).messages == 1
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    new, top = text.split("MOST OUTLETS CARRIED")
    assert "today's figure" in new and "old but much carried" in top and "Carried by:   5 outlets" in top


def test_revision_alerted_as_old_to_new(build, settings, now, smtp_server, slack_server):
    build.subscriber("desk")
    build.subscriber("newsroom", slack="slack_test")
    old = build.fact("AI-related industry", 1e13, "CNY", year=2030)
    _enqueue(settings.database_url, now)
    send_pending(settings, now)
    build.fact("AI-related industry", 1.2e13, "CNY", year=2030, revises=old, seen=now + MINUTE)
    _enqueue(settings.database_url, now + MINUTE)
    assert send_pending(settings, now + MINUTE).sent == 2
    assert smtp_server.messages[-1]["Subject"] == \
        "planwatch: revised: AI-related industry by 2030: 10 trillion → 12 trillion yuan"
    assert "*Revised:* AI-related industry by 2030: 10 trillion → 12 trillion yuan" in json.dumps(
        slack_server.posts[-1], ensure_ascii=False)
    assert {d.kind for d in build.deliveries()} == {"new", "revision"}


def test_concurrent_runs_send_each_delivery_once(build, settings, now, smtp_server, slack_server, concurrently):
    build.subscriber("desk")
    build.subscriber("newsroom", slack="slack_test")
    for i in range(8):
        build.fact(f"figure {i}", i, "percent")
    _enqueue(settings.database_url, now)
    results = concurrently(lambda: send_pending(settings, now), 3)
    assert sum(r.sent for r in results) == 16
    assert len(smtp_server.messages) == 1 and len(slack_server.posts) == 1  # one message per subscriber, once
    assert smtp_server.messages[0]["Subject"] == "planwatch: figure 0: 0% (+7 more)"
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert all(text.count(f"* figure {i}: {i}%") == 1 for i in range(8))


CHILD = """
import sys
from pathlib import Path
from planwatch.settings import Settings
from alerts.outbox import send_pending
home = Path(sys.argv[2])
settings = Settings(home=home, database_url=sys.argv[1], feeds_path=home / "f.yaml", subscribers_path=home / "s.yaml",
                    taxonomy_path=home / "t.yaml", smtp_conn_id="smtp_default", mail_from="planwatch@localhost")
print(send_pending(settings), flush=True)
"""


def test_crash_mid_run_then_rerun_sends_each_delivery_once(build, store_url, settings_for, slack_server, tmp_path,
                                                           monkeypatch, now):
    smtp = HoldingSMTPServer().start()
    try:
        env = dict(os.environ)
        env["AIRFLOW_CONN_SMTP_DEFAULT"] = json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
            "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 30}})
        env["AIRFLOW_CONN_SLACK_TEST"] = json.dumps({"conn_type": "slackwebhook", "password": slack_server.webhook_url})
        env["PYTHONPATH"] = str(REPO)
        build.subscriber("newsroom", slack="slack_test")
        for n in range(4):
            build.subscriber(f"desk{n}", email=f"desk{n}@example.com")
        started = dt.datetime.now(dt.timezone.utc)
        for i in range(6):
            build.fact(f"figure {i}", i, "percent", seen=started - dt.timedelta(minutes=10 - i))
        assert _enqueue(store_url, started) == 30
        smtp.hold_after = 3  # the 4th email gets no answer: the run hangs there, most of its work done

        child = subprocess.Popen([sys.executable, "-c", CHILD, store_url, str(tmp_path)], cwd=REPO, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert smtp.held.wait(90), child.stderr.read().decode() if child.poll() is not None else "no hold"
            deadline = time.monotonic() + 10
            while _sent(store_url) < 24 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _sent(store_url) == 24  # one Slack post + 3 emails, 6 deliveries each, committed as sent
            child.send_signal(signal.SIGKILL)
            assert child.wait(10) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
        smtp.hold_after = None  # the held message is answered 451: it was never accepted

        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", env["AIRFLOW_CONN_SMTP_DEFAULT"])
        monkeypatch.setenv("AIRFLOW_CONN_SLACK_TEST", env["AIRFLOW_CONN_SLACK_TEST"])
        settings = settings_for(store_url, tmp_path)
        # right after the crash the claimed row is still leased; once the lease is over it goes out
        rerun = send_pending(settings, dt.datetime.now(dt.timezone.utc) + LEASE + MINUTE)
        assert rerun.sent == 6 and rerun.failed == 0
        assert _sent(store_url) == 30

        recipients = sorted(m["To"] for m in smtp.messages)
        assert recipients == [f"desk{n}@example.com" for n in range(4)]  # each subscriber's message exactly once
        assert {m["Subject"] for m in smtp.messages} == {"planwatch: figure 0: 0% (+5 more)"}
        repeats = [m["To"] for m in smtp.messages if "Sent again:" in m.get_body(("plain",)).get_content()]
        assert repeats == ["desk3@example.com"]  # the one killed mid-send says it may repeat an earlier copy
        assert len(slack_server.posts) == 1
        post = json.dumps(slack_server.posts[0]["blocks"])
        assert all(post.count(f"*figure {i}: {i}%*") == 1 for i in range(6))
    finally:
        smtp.hold_after = None
        smtp.stop()


def _sent(url):
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "sent"))


def test_slack_retry_after_is_capped_at_an_hour(build, settings, now, slack_server):
    build.subscriber("newsroom", slack="slack_test")
    build.fact()
    _enqueue(settings.database_url, now)
    slack_server.responses.append(Reply(429, b"rate_limited", {"Retry-After": "1000000000"}))
    assert send_pending(settings, now).retried == 1
    assert [d.next_attempt_at for d in build.deliveries()] == [now + dt.timedelta(hours=1)]
    assert len(slack_server.hits("/hook")) == 1


def test_slack_slow_answer_is_one_post_per_run_and_says_it_may_have_arrived(build, settings, now, slack_server,
                                                                            monkeypatch):
    import alerts.channels

    monkeypatch.setattr(alerts.channels, "SLACK_TIMEOUT", 0.5)
    build.subscriber("newsroom", slack="slack_test")
    build.fact()
    _enqueue(settings.database_url, now)
    slack_server.responses.append(Reply(200, b"ok", delay=1.5))
    summary = send_pending(settings, now)
    assert summary.retried == 1 and "no answer from the webhook (the message may have arrived" in summary.errors[0]
    assert len(slack_server.hits("/hook")) == 1  # the client did not post it again by itself
    assert [d.status for d in build.deliveries()] == ["pending"]  # not lost: the next run sends it
    assert send_pending(settings, now + dt.timedelta(days=1)).sent == 1
    first, again = (json.dumps(p, ensure_ascii=False) for p in slack_server.accepted)
    assert "Sent again:" in again and "Sent again:" not in first  # a reader can tell the repeat from the first
