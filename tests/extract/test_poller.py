"""poll / fetch_pages against a real local server: conditional GET, unchanged bodies, errors, limits."""

from __future__ import annotations

import collections
import itertools
import threading
import time

import pytest
from servers import Reply, SilentServer

from extract.errors import BlockedURL, ResponseTooLarge
from extract.http import FetchPolicy
from extract.poller import PollTarget, fetch_pages_sync, poll_sync, summarize
from extract.schedule import PollState

OPEN = FetchPolicy(allow_private=True)


def rss(*titles: str) -> bytes:
    items = "".join(f"<item><title>{t}</title><link>https://news.example/{t}</link><guid isPermaLink=\"false\">{t}</guid></item>" for t in titles)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'.encode()


def etag_route(body: bytes, etag: str):
    def route(req):
        if req.headers.get("if-none-match") == etag:
            return Reply(304, b"", {"ETag": etag, "Last-Modified": "Tue, 03 Mar 2026 10:00:00 GMT"})
        return Reply(200, body, {"ETag": etag, "Content-Type": "application/rss+xml"})

    return route


def test_first_poll_parses_second_is_304_without_parse(http_server):
    http_server.routes["/feed"] = etag_route(rss("a", "b"), '"v1"')
    [first] = poll_sync([PollTarget(1, http_server.url("/feed"))], OPEN)
    assert first.status == "ok" and [e.key for e in first.parse.entries] == ["a", "b"]
    assert first.state.etag == '"v1"' and first.state.body_hash == first.body_hash is not None
    [second] = poll_sync([PollTarget(1, http_server.url("/feed"), first.state)], OPEN)
    assert second.status == "not_modified" and second.parse is None and second.result.status == 304
    assert http_server.hits("/feed")[1].headers["if-none-match"] == '"v1"'
    assert second.state.last_modified == "Tue, 03 Mar 2026 10:00:00 GMT" and second.state.etag == '"v1"'
    assert second.state.body_hash == first.state.body_hash


def test_etag_unchanged_but_content_changed_is_caught_by_body_hash(http_server):
    bodies = iter([rss("a"), rss("a"), rss("a", "b")])
    http_server.routes["/feed"] = lambda req: Reply(200, next(bodies), {"ETag": '"stuck"'})  # ignores If-None-Match
    state = PollState()
    statuses = []
    for _ in range(3):
        [o] = poll_sync([PollTarget("f", http_server.url("/feed"), state)], OPEN)
        statuses.append((o.status, None if o.parse is None else len(o.parse.entries)))
        state = o.state
    assert statuses == [("ok", 1), ("unchanged", None), ("ok", 2)]
    assert all(r.headers.get("if-none-match") == '"stuck"' for r in http_server.hits("/feed")[1:])


def test_gone_feed_becomes_dormant(http_server):
    http_server.routes["/dead"] = Reply(410, b"gone")
    [o] = poll_sync([PollTarget(9, http_server.url("/dead"))], OPEN)
    assert o.status == "gone" and o.parse is None and o.state.dormant and o.error == "fetch: gone (410)"


def test_moved_feed_updates_url_and_next_poll_goes_there(http_server):
    http_server.routes["/old"] = Reply(301, b"", {"Location": "/new"})
    http_server.routes["/new"] = Reply(200, rss("x"))
    [o] = poll_sync([PollTarget(1, http_server.url("/old"))], OPEN)
    assert o.status == "ok" and o.state.url == http_server.url("/new") and o.result.permanent_redirect == http_server.url("/new")
    http_server.requests.clear()
    poll_sync([PollTarget(1, http_server.url("/old"), o.state)], OPEN)
    assert [r.path for r in http_server.requests] == ["/new"]


def test_unreachable_and_broken_feeds_are_errors_while_others_go_on(http_server):
    silent = SilentServer()
    refused = silent.url("/feed")
    silent.stop()
    http_server.routes["/good"] = Reply(200, rss("a", "b", "c"))
    http_server.routes["/html"] = Reply(200, b"<!doctype html><html><body>Not here</body></html>", {"Content-Type": "text/html"})
    http_server.routes["/forbidden"] = Reply(403, b"")
    targets = [
        PollTarget("refused", refused),
        PollTarget("good", http_server.url("/good")),
        PollTarget("html", http_server.url("/html")),
        PollTarget("forbidden", http_server.url("/forbidden")),
        PollTarget("script", "javascript:alert(1)"),
    ]
    out = {o.feed_id: o for o in poll_sync(targets, OPEN)}
    assert out["good"].status == "ok" and len(out["good"].parse.entries) == 3
    assert out["refused"].status == "error" and out["refused"].error.startswith("fetch: cannot connect")
    assert out["refused"].state.failures == 1 and out["refused"].state.next_poll_at is not None
    assert out["html"].status == "error" and out["html"].error == "feed: not a feed (got an HTML page)"
    assert out["html"].state.failures == 1
    assert out["forbidden"].error == "fetch: access forbidden (403)"
    assert isinstance(out["script"].result.error, BlockedURL)
    s = summarize(out.values())
    assert (s.polled, s.ok, s.errors, s.entries, s.new_entries) == (5, 1, 4, 3, 3)
    assert "polled 5 feeds: 1 ok" in str(s) and "forbidden: fetch: access forbidden (403)" in str(s)


def test_summary_counts_new_entries_with_a_lookup(http_server):
    http_server.routes["/a"] = etag_route(rss("a", "b"), '"1"')
    http_server.routes["/b"] = Reply(200, rss("c"))
    first = poll_sync([PollTarget("a", http_server.url("/a")), PollTarget("b", http_server.url("/b"))], OPEN)
    seen = {"a"}
    s = summarize(first, is_new=lambda o, e: e.key not in seen)
    assert (s.polled, s.ok, s.entries, s.new_entries) == (2, 2, 3, 2)
    again = poll_sync([PollTarget(o.feed_id, o.url, o.state) for o in first], OPEN)
    s = summarize(again)
    assert (s.not_modified, s.unchanged, s.entries, s.new_entries, s.errors) == (1, 1, 0, 0, 0)


def _counting_route(latency: float):
    lock = threading.Lock()
    now = collections.Counter()
    peak = collections.Counter()

    def route(req):
        host = req.headers["host"].split(":")[0]
        with lock:
            now[host] += 1
            now["*"] += 1
            peak[host] = max(peak[host], now[host])
            peak["*"] = max(peak["*"], now["*"])
        time.sleep(latency)
        with lock:
            now[host] -= 1
            now["*"] -= 1
        return Reply(200, rss(req.path.strip("/")), {"Content-Type": "application/rss+xml"})

    return route, peak


def test_many_hosts_are_polled_concurrently(http_server):
    route, peak = _counting_route(0.3)
    for i in range(20):
        http_server.routes[f"/f{i}"] = route
    policy = FetchPolicy(allowed_networks=("127.0.0.1/32",), resolver=lambda host: ["127.0.0.1"], global_limit=10)
    targets = [PollTarget(i, f"http://feed{i}.example:{http_server.port}/f{i}") for i in range(20)]
    out = poll_sync(targets, policy)
    assert [o.status for o in out] == ["ok"] * 20
    assert 5 <= peak.pop("*") <= 10  # many in flight at once (one at a time would be 1), never past the limit
    assert len(peak) == 20


def test_at_most_two_requests_per_host_in_flight(http_server):
    route, peak = _counting_route(0.3)
    for i in range(12):
        http_server.routes[f"/f{i}"] = route
    out = poll_sync([PollTarget(i, http_server.url(f"/f{i}")) for i in range(12)], FetchPolicy(allow_private=True, global_limit=50))
    assert all(o.status == "ok" for o in out)
    assert peak["127.0.0.1"] == 2


def test_global_limit_bounds_concurrency_across_hosts(http_server):
    route, peak = _counting_route(0.2)
    lock, inflight, top = threading.Lock(), [0], [0]

    def global_route(req):
        with lock:
            inflight[0] += 1
            top[0] = max(top[0], inflight[0])
        try:
            return route(req)
        finally:
            with lock:
                inflight[0] -= 1

    for i in range(12):
        http_server.routes[f"/f{i}"] = global_route
    policy = FetchPolicy(allowed_networks=("127.0.0.1/32",), resolver=lambda host: ["127.0.0.1"], global_limit=3)
    poll_sync([PollTarget(i, f"http://h{i}.example:{http_server.port}/f{i}") for i in range(12)], policy)
    assert top[0] == 3


def test_fetch_pages_uses_the_page_cap(http_server):
    http_server.routes["/article"] = Reply(200, "<html><body><p>Plan</p></body></html>", {"Content-Type": "text/html; charset=utf-8"})
    http_server.routes["/huge"] = Reply(200, stream=itertools.repeat(b"<p>filler</p>" * 5000))
    policy = FetchPolicy(allow_private=True, max_feed_bytes=10, max_page_bytes=1024 * 1024)
    article, huge, script = fetch_pages_sync([http_server.url("/article"), http_server.url("/huge"), "file:///etc/passwd"], policy)
    assert article.error is None and b"Plan" in article.content and article.encoding == "utf-8"
    assert isinstance(huge.error, ResponseTooLarge) and "1048576-byte cap" in str(huge.error)
    assert isinstance(script.error, BlockedURL)
    assert "text/html" in http_server.hits("/article")[0].headers["accept"]


@pytest.mark.parametrize("guarded", [True, False])
def test_poll_respects_the_address_guard(http_server, guarded):
    http_server.routes["/feed"] = Reply(200, rss("a"))
    [o] = poll_sync([PollTarget(1, http_server.url("/feed"))], FetchPolicy(allow_private=not guarded))
    assert (o.status == "error" and "blocked address 127.0.0.1" in o.error) if guarded else o.status == "ok"
