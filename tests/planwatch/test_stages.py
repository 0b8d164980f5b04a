"""The ingest stages against a local server full of broken inputs: each gets a clear status, the run goes on."""

import socket

import pytest
from sqlalchemy import func, select

from planwatch import settings, stages
from planwatch.demo import SAMPLE, write_config
from planwatch.standins import Reply

GOOD_PAGE = (SAMPLE / "articles" / "cnn-tech-plan.html").read_text(encoding="utf-8")


def rss(base, *links):
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}{link}</link><guid>{link}</guid>"
        f"<pubDate>Thu, 12 Mar 2026 08:00:00 GMT</pubDate></item>"
        for i, link in enumerate(links)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cfg(http_server, tmp_path, monkeypatch):
    base = http_server.url("").rstrip("/")
    http_server.routes.update({
        "/good.xml": Reply(200, rss(base, "/a/good.html", "/a/empty.html", "/a/missing.html", "/a/huge.html"),
                           {"Content-Type": "application/rss+xml"}),
        "/broken.xml": Reply(200, rss(base, "/a/good.html").replace("</channel>", "<item><title>oops</channel>")
                             + "<<<", {"Content-Type": "application/rss+xml"}),
        "/page.xml": Reply(200, "<!doctype html><html><body><h1>Welcome</h1><p>Not a feed.</p></body></html>",
                           {"Content-Type": "text/html"}),
        "/a/good.html": Reply(200, GOOD_PAGE, {"Content-Type": "text/html; charset=utf-8"}),
        "/a/empty.html": Reply(200, "<html><body><nav>Home | World</nav><footer>(c) 2026</footer></body></html>",
                               {"Content-Type": "text/html"}),
        "/a/huge.html": Reply(200, b"<html><body><p>" + b"x" * (21 * 2**20) + b"</p></body></html>",
                              {"Content-Type": "text/html"}),
    })
    env = write_config(tmp_path / "config", [
        ("good", http_server.url("/good.xml")),
        ("broken xml", http_server.url("/broken.xml")),
        ("html page", http_server.url("/page.xml")),
        ("unreachable", f"http://127.0.0.1:{closed_port()}/feed.xml"),
    ], [])
    env.update({"PLANWATCH_HOME": str(tmp_path), "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1",
                "PLANWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'pw.db'}"})
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return settings.load()


def test_bad_feeds_and_pages_get_a_status_and_the_run_goes_on(cfg):
    from store import session_scope
    from store.models import Article, Entry, Feed

    batches = stages.prepare(cfg)
    polled = [stages.poll_batch(b, cfg) for b in batches]
    assert sum(p["polled"] for p in polled) == 4
    processed = stages.process_entries(cfg)
    assert processed["new_facts"] >= 4

    with session_scope(cfg.database_url) as s:
        feeds = {f.name: f for f in s.scalars(select(Feed))}
        assert feeds["good"].last_status == "ok" and feeds["good"].failures == 0
        assert feeds["unreachable"].last_status == "error" and feeds["unreachable"].failures == 1
        assert "fetch:" in feeds["unreachable"].last_error
        assert feeds["unreachable"].next_poll_at > feeds["good"].last_polled_at
        # malformed XML: what the parser recovered is kept, and the problem is flagged
        assert feeds["broken xml"].last_status == "ok" and feeds["broken xml"].last_warning
        assert feeds["html page"].last_status == "error" and "not a feed" in feeds["html page"].last_error
        entries = {e.link.rsplit("/", 1)[-1]: e for e in s.scalars(select(Entry)) if e.link}
        assert "404" in entries["missing.html"].error
        assert entries["huge.html"].status == "error" and "cap" in entries["huge.html"].error
        articles = {a.canonical_url.rsplit("/", 1)[-1]: a for a in s.scalars(select(Article))}
        assert articles["empty.html"].status == "no_text"
        assert articles["good.html"].status == "ok" and "15th" in articles["good.html"].plans
        # the same page linked from two feeds is one article
        assert sum(1 for e in s.scalars(select(Entry)) if e.link and e.link.endswith("good.html")) == 2
        assert sum(1 for a in s.scalars(select(Article)) if a.canonical_url.endswith("/a/good.html")) == 1


def test_a_typo_in_the_feeds_file_stops_the_run_with_file_key_and_fix(cfg, tmp_path):
    cfg.feeds_path.write_text("feeds:\n  - name: A\n    url: https://a.example/rss\n    langauge: en\n")
    from extract.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        stages.prepare(cfg)
    assert str(cfg.feeds_path) in str(err.value) and "did you mean 'language'" in str(err.value)


def test_pages_are_planned_in_batches_and_a_retried_batch_adds_nothing(cfg, http_server, monkeypatch):
    import dataclasses

    from store import session_scope
    from store.models import Article, Fact, Figure

    cfg = dataclasses.replace(cfg, page_batch_size=1)
    for batch in stages.prepare(cfg):
        stages.poll_batch(batch, cfg)
    batches = stages.plan_pages(cfg)
    assert len(batches) >= 3 and all(len(b) == 1 for b in batches)
    first = [stages.process_batch(b, cfg) for b in batches]
    assert sum(s["new_facts"] for s in first) >= 4
    with session_scope(cfg.database_url) as s:
        rows = tuple(s.scalar(select(func.count()).select_from(m)) for m in (Article, Fact, Figure))
    fetched = len(http_server.requests)
    again = [stages.process_batch(b, cfg) for b in batches]  # Airflow retrying every batch
    assert sum(s["fetched"] + s["new_articles"] + s["new_facts"] for s in again) == 0
    assert len(http_server.requests) == fetched
    with session_scope(cfg.database_url) as s:
        assert tuple(s.scalar(select(func.count()).select_from(m)) for m in (Article, Fact, Figure)) == rows
    assert stages.finish_process(first, cfg)["new_facts"] == sum(s["new_facts"] for s in first)


def test_a_page_another_worker_stored_meanwhile_is_linked_not_stored_again_nor_quarantined(cfg, monkeypatch):
    """The pages are fetched, then another worker stores two of them: one extracts as usual, the other's
    extraction breaks. Both entries end linked to the stored rows, with no attempt counted."""
    import extract.article
    from extract.records import Article as Record
    from store import session_scope
    from store.articles import save_article
    from store.models import Article, Entry

    for batch in stages.prepare(cfg):
        stages.poll_batch(batch, cfg)
    (batch,) = stages.plan_pages(cfg)
    with session_scope(cfg.database_url) as s:
        links = {e.link.rsplit("/", 1)[-1]: e for e in s.scalars(select(Entry).where(Entry.id.in_(batch)))}
        stored = {name: links[name].canonical_url for name in ("good.html", "empty.html")}
    real = extract.article.extract_article

    def meanwhile(content, url, **kwargs):
        if url.endswith("empty.html"):
            raise RuntimeError("parser bug")
        return real(content, url, **kwargs)

    def fetched_then_stored(todo, policy, budget):
        pages = list(real_fetched(todo, policy, budget))
        with session_scope(cfg.database_url) as s:
            for canon in stored.values():
                save_article(s, Record(url=canon, canonical_url=canon, title="Stored by another worker", text="text"), None)
        yield from pages

    real_fetched = stages._fetched
    monkeypatch.setattr(stages, "_fetched", fetched_then_stored)
    monkeypatch.setattr(extract.article, "extract_article", meanwhile)
    summary = stages.process_batch(batch, cfg)
    assert summary["quarantined"] == [] and summary["new_articles"] == 0
    with session_scope(cfg.database_url) as s:
        rows = {a.canonical_url: a.id for a in s.scalars(select(Article))}
        assert len(rows) == 2
        for name, canon in stored.items():
            entry = s.get(Entry, links[name].id)
            assert (entry.status, entry.article_id, entry.attempts) == ("done", rows[canon], 0), name
