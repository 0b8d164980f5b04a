"""after_poll: intervals, back-off, Retry-After, validators, dormancy, moved feeds."""

from __future__ import annotations

import datetime as dt
import random

from extract.errors import FetchError, HTTPStatusError
from extract.http import FetchResult, status_error
from extract.schedule import PollState, after_poll

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)
URL = "https://news.example/feed"
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def ok(status: int = 200, **kw) -> FetchResult:
    return FetchResult(url=URL, final_url=kw.pop("final_url", URL), status=status, **kw)


def failed(status: int | None = 503, **kw) -> FetchResult:
    error = status_error(status, URL) if status else FetchError("cannot connect to news.example (refused)")
    return FetchResult(url=URL, final_url=URL, status=status, error=error, **kw)


def wait(state: PollState) -> dt.timedelta:
    return state.next_poll_at - NOW


def test_success_schedules_the_feed_interval_and_resets_failures():
    s = after_poll(PollState(failures=4, last_error="x"), ok(etag='"a"', last_modified="Mon, 02 Mar 2026 09:00:00 GMT"), NOW, body_hash="h1")
    assert (s.failures, s.last_error, s.last_status, s.last_outcome) == (0, None, 200, "ok")
    assert (s.etag, s.last_modified, s.body_hash) == ('"a"', "Mon, 02 Mar 2026 09:00:00 GMT", "h1")
    assert wait(s) == 30 * MIN
    assert wait(after_poll(PollState(interval_minutes=120), ok(), NOW)) == 120 * MIN


def test_interval_floor_is_15_minutes():
    assert wait(after_poll(PollState(interval_minutes=1), ok(), NOW)) == 15 * MIN


def test_304_keeps_old_validators_and_takes_new_ones():
    old = PollState(etag='"a"', last_modified="LM1", body_hash="h1")
    s = after_poll(old, ok(304), NOW)
    assert (s.etag, s.last_modified, s.body_hash, s.last_outcome) == ('"a"', "LM1", "h1", "not_modified")
    s = after_poll(old, ok(304, etag='"b"'), NOW)
    assert (s.etag, s.last_modified) == ('"b"', "LM1")


def test_same_body_hash_is_unchanged_even_if_etag_stayed():
    old = PollState(etag='"a"', body_hash="h1")
    assert after_poll(old, ok(etag='"a"'), NOW, body_hash="h1").last_outcome == "unchanged"
    changed = after_poll(old, ok(etag='"a"'), NOW, body_hash="h2")
    assert changed.last_outcome == "ok" and changed.body_hash == "h2"


def test_errors_back_off_exponentially_with_jitter_and_a_24h_cap():
    rng = random.Random(7)
    s = PollState()
    waits = []
    for _ in range(8):
        s = after_poll(s, failed(503), NOW, rng=rng)
        waits.append(wait(s))
    assert s.failures == 8 and s.last_error == "fetch: service unavailable (503)" and s.last_outcome == "error"
    for n, w in enumerate(waits[:5], start=1):
        base = 30 * MIN * 2**n
        assert base <= w <= base * 1.1, (n, w)
    assert waits[-1] == DAY  # 30 min × 2^8 = 128 h, capped
    assert len({w for w in waits[:5]}) == 5


def test_jitter_spreads_feeds_failing_together():
    waits = {wait(after_poll(PollState(), failed(None), NOW, rng=random.Random(i))) for i in range(20)}
    assert len(waits) > 10 and all(HOUR <= w <= HOUR * 1.1 for w in waits)


def test_retry_after_is_honoured_with_jitter_and_capped():
    s = after_poll(PollState(), failed(429, retry_after_seconds=5 * 3600), NOW, rng=random.Random(1))
    assert 5 * HOUR <= wait(s) <= 5.5 * HOUR
    s = after_poll(PollState(), failed(503, retry_after_seconds=30), NOW, rng=random.Random(1))
    assert HOUR <= wait(s) <= 1.1 * HOUR  # back-off is longer than Retry-After: back-off wins
    s = after_poll(PollState(), ok(retry_after_seconds=3 * 3600), NOW, rng=random.Random(1))
    assert 3 * HOUR <= wait(s) <= 3.3 * HOUR and s.failures == 0
    s = after_poll(PollState(), failed(429, retry_after_seconds=10 * 24 * 3600), NOW, rng=random.Random(1))
    assert wait(s) == DAY


def test_410_gone_makes_the_feed_dormant_but_not_deleted():
    s = after_poll(PollState(etag='"a"'), failed(410), NOW)
    assert s.dormant and s.last_outcome == "gone" and s.last_error == "fetch: gone (410)"
    assert wait(s) == dt.timedelta(days=7) and s.etag == '"a"'
    again = after_poll(s, failed(410), NOW)
    assert again.dormant and wait(again) == dt.timedelta(days=7)


def test_30_failures_in_a_row_make_the_feed_dormant_and_success_wakes_it():
    s = PollState()
    for i in range(29):
        s = after_poll(s, failed(None), NOW, rng=random.Random(i))
    assert not s.dormant and s.failures == 29
    s = after_poll(s, failed(None), NOW)
    assert s.dormant and s.failures == 30 and wait(s) == dt.timedelta(days=7)
    woken = after_poll(s, ok(), NOW, body_hash="h")
    assert not woken.dormant and woken.failures == 0 and wait(woken) == 30 * MIN


def test_success_in_between_resets_the_failure_count():
    s = PollState()
    for _ in range(20):
        s = after_poll(s, failed(500), NOW)
    s = after_poll(s, ok(), NOW)
    for _ in range(20):
        s = after_poll(s, failed(500), NOW)
    assert not s.dormant and s.failures == 20


def test_permanent_redirect_updates_the_url_only_once_the_new_url_answered():
    new = "https://news.example/rss2"
    s = after_poll(PollState(), ok(final_url=new, permanent_redirect=new), NOW)
    assert s.url == new
    broken = FetchResult(url=URL, final_url=new, status=500, permanent_redirect=new, error=status_error(500, new))
    assert after_poll(PollState(), broken, NOW).url is None
    assert after_poll(PollState(url=new), ok(304), NOW).url == new


def test_a_body_that_is_no_feed_counts_as_failure():
    s = after_poll(PollState(body_hash="h0"), ok(), NOW, body_hash="h1", parse_error="feed: not a feed (got an HTML page)")
    assert s.failures == 1 and s.last_error == "feed: not a feed (got an HTML page)" and s.body_hash == "h0"


def test_status_error_text():
    e = status_error(403)
    assert isinstance(e, HTTPStatusError) and str(e) == "fetch: access forbidden (403)" and not e.transient


def test_a_full_answer_without_validators_clears_the_old_ones():
    s = after_poll(PollState(etag='"a"', last_modified="LM1"), ok(), NOW, body_hash="h2")
    assert (s.etag, s.last_modified) == (None, None)
