"""One hostile page never stops the pipeline: it is quarantined ('failed', one-line error) and the run goes on."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

import extract.detect
from planwatch import settings, stages
from planwatch.demo import SAMPLE, connection_env, write_config
from planwatch.standins import Reply

GOOD_PAGE = (SAMPLE / "articles" / "cnn-tech-plan.html").read_text(encoding="utf-8")
PLAN = "China's 15th Five-Year Plan (2026-2030) raises AI spending by 10% a year. "
REAL_DETECT = extract.detect.detect


def hostile_detect(text, **kwargs):
    """Detection that breaks on marked pages, as a detection bug would."""
    if "RECURSE" in text:
        def down(n):
            return down(n + 1) + 1
        down(0)
    if "SLOW" in text:
        time.sleep(60)
    return REAL_DETECT(text, **kwargs)


def rss(base, *links):
    items = "".join(f"<item><title>Story {i}</title><link>{base}/a/{link}</link></item>" for i, link in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


PAGES = {
    "recurse.txt": PLAN + "RECURSE",
    "slow.txt": PLAN + "SLOW",
    "yi.txt": "一亿" * 1100 + "元",
    "long.txt": PLAN * 200,
    "nul.txt": PLAN + "a\x00b \x1b[31m \u202eevil",
    "good.html": GOOD_PAGE,
}


@pytest.fixture
def cfg(http_server, db_url, tmp_path, monkeypatch, smtp_server, slack_server):
    base = http_server.url("").rstrip("/")
    http_server.routes["/feed.xml"] = Reply(200, rss(base, *PAGES), {"Content-Type": "application/rss+xml"})
    for name, body in PAGES.items():
        kind = "text/html; charset=utf-8" if name.endswith(".html") else "text/plain; charset=utf-8"
        http_server.routes[f"/a/{name}"] = Reply(200, body.encode("utf-8"), {"Content-Type": kind})
    env = write_config(tmp_path / "config", [("hostile", http_server.url("/feed.xml"))], [])
    env.update(connection_env(smtp_server, slack_server, "slack_ops"))
    env.update({"PLANWATCH_HOME": str(tmp_path), "PLANWATCH_DATABASE_URL": db_url,
                "PLANWATCH_OPERATOR_SLACK_CONNECTION": "slack_ops",
                "PLANWATCH_DETECT_TIMEOUT": "2", "PLANWATCH_DETECT_MAX_CHARS": "10000"})
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(extract.detect, "detect", hostile_detect)
    return settings.load()


def test_pages_that_break_detection_are_quarantined_and_the_run_goes_on(cfg, capsys, slack_server):
    from planwatch.cli import cmd_feeds
    from store import session_scope
    from store.models import Article, Entry

    for batch in stages.prepare(cfg):
        stages.poll_batch(batch, cfg)
    summary = stages.process_entries(cfg)
    with session_scope(cfg.database_url) as s:
        entries = {e.link.rsplit("/", 1)[-1]: e for e in s.scalars(select(Entry))}
        articles = {a.canonical_url.rsplit("/", 1)[-1]: a for a in s.scalars(select(Article))}
        assert entries["recurse.txt"].status == "failed"
        assert entries["recurse.txt"].error.startswith("detect: RecursionError: maximum recursion depth")
        assert entries["slow.txt"].status == "failed" and "over the 2 s budget" in entries["slow.txt"].error
        assert entries["long.txt"].status == "failed" and "over the 10,000 budget" in entries["long.txt"].error
        assert entries["yi.txt"].status in ("done", "failed")  # never left 'new' to crash every later run
        assert all("\n" not in e.error and len(e.error) <= 300 for e in entries.values() if e.status == "failed")
        assert entries["good.html"].status == "done" and articles["good.html"].plans == ["15th"]
        assert entries["nul.txt"].status == "done"
        assert articles["nul.txt"].text.endswith("ab [31m evil")
    assert len(summary["quarantined"]) >= 3 and any("slow.txt" in q for q in summary["quarantined"])
    notices = [r.body.decode() for r in slack_server.hits("/hook")]
    assert len(notices) == 1 and "quarantined" in notices[0] and "recurse.txt" in notices[0]
    assert stages.process_entries(cfg)["fetched"] == 0  # quarantined pages are not retried
    assert len(slack_server.hits("/hook")) == 1  # operators are told once
    cmd_feeds(None, cfg)
    out = capsys.readouterr().out
    assert "quarantined" in out and "recurse.txt" in out and "RecursionError" in out


def test_past_the_run_fetch_budget_the_rest_waits_for_the_next_run(http_server):
    from extract.errors import FetchDeferred
    from extract.fetch_budget import FetchBudget
    from extract.http import FetchPolicy
    from planwatch.stages import PAGE_CHUNK, _fetched

    http_server.routes["/slow"] = Reply(200, b"x", {"Content-Type": "text/plain"}, delay=1.2)
    todo = [(i, 1, http_server.url("/slow"), f"c{i}") for i in range(PAGE_CHUNK + 5)]
    got = list(_fetched(todo, FetchPolicy(allow_private=True, per_host=2), FetchBudget(run_seconds=1)))
    assert len(got) == PAGE_CHUNK + 5
    assert all(isinstance(result.error, FetchDeferred) for _, result in got)  # every entry waits, none is an attempt
    assert len(http_server.hits("/slow")) == 2  # the two in flight were cut; the rest never started


def test_the_next_chunk_is_fetched_while_this_one_is_processed(http_server):
    from extract.fetch_budget import FetchBudget
    from extract.http import FetchPolicy
    from planwatch.stages import PAGE_CHUNK, _fetched

    for i in range(PAGE_CHUNK * 2):
        http_server.routes[f"/p{i}"] = Reply(200, b"x", {"Content-Type": "text/plain"})
    todo = [(i, 1, http_server.url(f"/p{i}"), f"c{i}") for i in range(PAGE_CHUNK * 2)]
    pages = _fetched(todo, FetchPolicy(allow_private=True), FetchBudget())
    first = [next(pages) for _ in range(PAGE_CHUNK)]
    assert all(result.status == 200 for _, result in first)
    deadline = time.monotonic() + 20
    while len({r.path for r in http_server.requests}) < len(todo) and time.monotonic() < deadline:
        time.sleep(0.05)  # the caller is still on the first chunk: the second arrives meanwhile
    assert {r.path for r in http_server.requests} == {f"/p{i}" for i in range(len(todo))}
    assert [entry for entry, _ in pages] == todo[PAGE_CHUNK:]
