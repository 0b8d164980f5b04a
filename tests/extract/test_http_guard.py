"""The guarded HTTP client against a real local server: guards, caps, deadlines, redirects, validators."""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import itertools
import time
import zlib

import pytest
from servers import Reply, SilentServer

from extract.errors import BlockedURL, FetchTimeout, HTTPStatusError, ResponseTooLarge, TooManyRedirects
from extract.http import FetchPolicy, address_problem, fetch_sync, parse_retry_after

OPEN = FetchPolicy(allow_private=True, user_agent="planwatch-test/1", contact_url="https://example.org/ops")
GUARDED = FetchPolicy(allow_private=False)
LOCAL_ONLY = FetchPolicy(allowed_networks=("127.0.0.1/32",))  # the guard is on for every other address


@pytest.mark.parametrize(
    "ip, reason",
    [
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "CGNAT shared address space"),
        ("224.0.0.1", "multicast"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "IPv4-mapped IPv6"),
        ("::ffff:8.8.8.8", "IPv4-mapped IPv6"),
        ("fc00::1", "private"),
        ("fe80::1%eth0", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("2002:a00:1::", "embeds 10.0.0.1, private"),
        ("64:ff9b::7f00:1", "embeds 127.0.0.1, loopback"),
    ],
)
def test_address_classifier_refuses(ip, reason):
    assert address_problem(ip) == reason


@pytest.mark.parametrize("ip", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111"])
def test_address_classifier_allows_public(ip):
    assert address_problem(ip) is None


def test_plain_get_records_headers_and_user_agent(http_server):
    http_server.routes["/feed"] = Reply(
        200, "<rss/>", {"Content-Type": "application/rss+xml; charset=ISO-8859-1", "ETag": '"v1"', "Last-Modified": "Mon, 02 Mar 2026 10:00:00 GMT"}
    )
    r = fetch_sync(http_server.url("/feed"), OPEN)
    assert r.error is None and r.status == 200 and r.content == b"<rss/>"
    assert (r.encoding, r.etag, r.last_modified) == ("ISO-8859-1", '"v1"', "Mon, 02 Mar 2026 10:00:00 GMT")
    ua = http_server.hits("/feed")[0].headers["user-agent"]
    assert "planwatch-test/1" in ua and "https://example.org/ops" in ua


def test_conditional_get_sends_validators_and_304_has_no_body(http_server):
    http_server.routes["/feed"] = lambda req: Reply(304, b"", {"ETag": '"v2"'}) if req.headers.get("if-none-match") == '"v1"' else Reply(200, "x")
    r = fetch_sync(http_server.url("/feed"), OPEN, etag='"v1"', last_modified="Mon, 02 Mar 2026 10:00:00 GMT")
    assert r.status == 304 and r.not_modified and r.content == b"" and r.etag == '"v2"'
    assert http_server.hits("/feed")[0].headers["if-modified-since"] == "Mon, 02 Mar 2026 10:00:00 GMT"


@pytest.mark.parametrize("status, text", [(403, "fetch: access forbidden (403)"), (404, "fetch: not found (404)"), (410, "fetch: gone (410)"), (503, "fetch: service unavailable (503)"), (418, "fetch: client error (418)")])
def test_error_statuses_become_http_status_errors(http_server, status, text):
    http_server.routes["/x"] = Reply(status, b"nope")
    r = fetch_sync(http_server.url("/x"), OPEN)
    assert isinstance(r.error, HTTPStatusError) and str(r.error) == text and r.error.status == status
    assert r.status == status and r.content == b""
    assert r.error.transient == (status >= 500)


def test_retry_after_seconds_and_http_date(http_server):
    http_server.routes["/s"] = Reply(429, b"", {"Retry-After": "120"})
    later = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=600), usegmt=True)
    http_server.routes["/d"] = Reply(503, b"", {"Retry-After": later})
    http_server.routes["/huge"] = Reply(503, b"", {"Retry-After": "999999"})
    assert fetch_sync(http_server.url("/s"), OPEN).retry_after_seconds == 120
    assert 590 <= fetch_sync(http_server.url("/d"), OPEN).retry_after_seconds <= 600
    assert fetch_sync(http_server.url("/huge"), OPEN).retry_after_seconds == 24 * 3600


def test_parse_retry_after_edge_cases():
    now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("Mon, 02 Mar 2026 10:05:00 GMT", now) == 300
    assert parse_retry_after("Mon, 02 Mar 2026 09:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


def test_permanent_redirect_chain_is_reported(http_server):
    http_server.routes["/old"] = Reply(301, b"", {"Location": "/older"})
    http_server.routes["/older"] = Reply(308, b"", {"Location": "/new"})
    http_server.routes["/new"] = Reply(200, "ok")
    r = fetch_sync(http_server.url("/old"), OPEN)
    assert r.error is None and r.final_url == http_server.url("/new") and r.permanent_redirect == http_server.url("/new")


def test_temporary_redirect_stops_the_permanent_chain(http_server):
    http_server.routes["/a"] = Reply(301, b"", {"Location": "/b"})
    http_server.routes["/b"] = Reply(302, b"", {"Location": "/c"})
    http_server.routes["/c"] = Reply(301, b"", {"Location": "/d"})
    http_server.routes["/d"] = Reply(200, "ok")
    r = fetch_sync(http_server.url("/a"), OPEN)
    assert r.content == b"ok" and r.permanent_redirect == http_server.url("/b")
    http_server.routes["/t"] = Reply(307, b"", {"Location": "/d"})
    assert fetch_sync(http_server.url("/t"), OPEN).permanent_redirect is None


def test_more_than_five_redirects_refused(http_server):
    for i in range(7):
        http_server.routes[f"/r{i}"] = Reply(302, b"", {"Location": f"/r{i + 1}"})
    http_server.routes["/r7"] = Reply(200, "end")
    r = fetch_sync(http_server.url("/r0"), OPEN)
    assert isinstance(r.error, TooManyRedirects) and "more than 5 redirects" in str(r.error)
    assert len(http_server.requests) == 6
    http_server.requests.clear()
    assert fetch_sync(http_server.url("/r2"), OPEN).content == b"end"  # exactly five hops is fine


def test_guard_refuses_loopback_and_names_the_address(http_server):
    http_server.routes["/feed"] = Reply(200, "secret")
    r = fetch_sync(http_server.url("/feed"), GUARDED)
    assert isinstance(r.error, BlockedURL) and r.content == b""
    assert "127.0.0.1" in str(r.error) and "loopback" in str(r.error)
    assert http_server.requests == []  # never connected
    r = fetch_sync(f"http://localhost:{http_server.port}/feed", GUARDED)
    assert isinstance(r.error, BlockedURL) and "of host localhost" in str(r.error)


@pytest.mark.parametrize("target, named", [("http://169.254.169.254/latest/meta-data/", "169.254.169.254"), ("http://127.0.0.2:{port}/x", "127.0.0.2"), ("http://[::1]:{port}/x", "::1"), ("http://10.1.2.3/", "10.1.2.3")])
def test_redirect_to_refused_address_is_blocked(http_server, target, named):
    http_server.routes["/go"] = Reply(302, b"", {"Location": target.format(port=http_server.port)})
    r = fetch_sync(http_server.url("/go"), LOCAL_ONLY)
    assert isinstance(r.error, BlockedURL) and named in str(r.error), r.error
    assert len(http_server.requests) == 1  # the first hop (allowed) only


def test_guard_checks_every_resolved_address(http_server):
    policy = FetchPolicy(resolver=lambda host: ["93.184.216.34", "10.0.0.1"])
    r = fetch_sync("http://mixed.example/feed", policy)
    assert isinstance(r.error, BlockedURL) and "10.0.0.1" in str(r.error) and "mixed.example" in str(r.error)


def test_connects_to_the_checked_address_but_keeps_the_host_name(http_server):
    http_server.routes["/feed"] = Reply(200, "ok")
    policy = FetchPolicy(allowed_networks=("127.0.0.1/32",), resolver=lambda host: ["127.0.0.1"])
    r = fetch_sync(f"http://news.example:{http_server.port}/feed", policy)
    assert r.error is None and r.content == b"ok"
    assert http_server.hits("/feed")[0].headers["host"] == f"news.example:{http_server.port}"


@pytest.mark.parametrize("url", ["ftp://example.org/feed.xml", "file:///etc/passwd", "gopher://x/"])
def test_non_http_schemes_refused(url):
    r = fetch_sync(url, OPEN)
    assert isinstance(r.error, BlockedURL) and "only http and https" in str(r.error)


def test_redirect_to_file_scheme_refused(http_server):
    http_server.routes["/go"] = Reply(301, b"", {"Location": "file:///etc/passwd"})
    r = fetch_sync(http_server.url("/go"), OPEN)
    assert isinstance(r.error, BlockedURL) and "'file'" in str(r.error)


def test_gzip_bomb_is_cut_at_the_decompressed_cap(http_server):
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    http_server.routes["/bomb"] = Reply(200, bomb, {"Content-Encoding": "gzip", "Content-Type": "application/xml"})
    r = fetch_sync(http_server.url("/bomb"), FetchPolicy(allow_private=True, max_feed_bytes=1024 * 1024))
    assert isinstance(r.error, ResponseTooLarge) and "1048576-byte cap" in str(r.error) and r.content == b""


def test_gzip_and_deflate_bodies_within_cap_are_decoded(http_server):
    text = b"<rss>" + b"plan " * 10_000 + b"</rss>"
    http_server.routes["/gz"] = Reply(200, gzip.compress(text), {"Content-Encoding": "gzip"})
    http_server.routes["/zl"] = Reply(200, zlib.compress(text), {"Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-15)
    http_server.routes["/raw"] = Reply(200, raw.compress(text) + raw.flush(), {"Content-Encoding": "deflate"})
    for path in ("/gz", "/zl", "/raw"):
        r = fetch_sync(http_server.url(path), OPEN)
        assert r.error is None and r.content == text, path


def test_plain_body_over_cap_refused_by_length(http_server):
    http_server.routes["/big"] = Reply(200, b"x" * 300_000)
    r = fetch_sync(http_server.url("/big"), FetchPolicy(allow_private=True, max_feed_bytes=100_000))
    assert isinstance(r.error, ResponseTooLarge)
    assert fetch_sync(http_server.url("/big"), FetchPolicy(allow_private=True, max_feed_bytes=300_000)).error is None


def test_endless_body_is_cut_at_cap(http_server):
    http_server.routes["/endless"] = Reply(200, stream=itertools.repeat(b"<item>x</item>" * 4096))
    t0 = time.monotonic()
    r = fetch_sync(http_server.url("/endless"), FetchPolicy(allow_private=True, max_feed_bytes=2 * 1024 * 1024, total_timeout=10))
    assert isinstance(r.error, ResponseTooLarge)
    assert time.monotonic() - t0 < 5


def test_server_that_stalls_before_answering_hits_the_deadline(http_server):
    http_server.routes["/stall"] = Reply(200, "late", delay=6)
    t0 = time.monotonic()
    r = fetch_sync(http_server.url("/stall"), FetchPolicy(allow_private=True, connect_timeout=1, total_timeout=1.5))
    assert isinstance(r.error, FetchTimeout) and str(r.error).startswith("fetch: ")
    assert time.monotonic() - t0 < 4


def test_server_that_drips_bytes_hits_the_total_deadline(http_server):
    def drip():
        yield b"<rss>"
        while True:
            time.sleep(0.2)
            yield b" "

    http_server.routes["/drip"] = Reply(200, stream=drip())
    t0 = time.monotonic()
    r = fetch_sync(http_server.url("/drip"), FetchPolicy(allow_private=True, total_timeout=1.5))
    elapsed = time.monotonic() - t0
    assert isinstance(r.error, FetchTimeout) and "1.5s deadline" in str(r.error)
    assert 1.2 < elapsed < 4  # a per-read timeout alone would never fire: each byte comes within 0.2 s


def test_listener_that_never_answers_hits_the_deadline():
    silent = SilentServer()
    try:
        t0 = time.monotonic()
        r = fetch_sync(silent.url("/feed"), FetchPolicy(allow_private=True, connect_timeout=1, total_timeout=1.5))
        assert isinstance(r.error, FetchTimeout)
        assert time.monotonic() - t0 < 4
    finally:
        silent.stop()


def test_connection_refused_is_an_error_naming_the_host():
    silent = SilentServer()
    port = silent.port
    silent.stop()
    r = fetch_sync(f"http://127.0.0.1:{port}/feed", OPEN)
    assert r.error is not None and f"127.0.0.1:{port}" in str(r.error) and str(r.error).startswith("fetch: cannot connect")


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate (openssl CLI)."""
    import http.server
    import shutil
    import ssl
    import subprocess
    import threading

    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_tls_certificates_are_always_verified(tls_server):
    r = fetch_sync(tls_server, OPEN)
    assert r.error is not None and "certificate verify failed" in str(r.error).lower(), r.error
    assert r.content == b""


def test_time_queued_behind_the_per_host_limit_does_not_count_against_the_deadline(http_server):
    from extract.poller import fetch_pages_sync

    http_server.routes["/slow"] = Reply(200, "ok", delay=0.4)
    urls = [http_server.url(f"/slow?n={i}") for i in range(6)]
    results = fetch_pages_sync(urls, FetchPolicy(allow_private=True, per_host=1, total_timeout=1.0))
    assert [r.error for r in results] == [None] * 6  # the last one waited ~2 s in the queue
