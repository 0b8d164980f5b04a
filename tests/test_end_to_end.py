"""planwatch end to end under real Airflow: local feeds → dag.test() ingest → dag.test() alerts → SMTP + Slack.

The sample bundle (planwatch/sample/) is served by a local HTTP server: an RSS and an Atom feed linking
article pages (the seed story, others with other figures, one without figures, one in Chinese, a page
about another country's plan, a syndicated copy, an empty page and a 404).
"""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from planwatch.demo import SAMPLE, connection_env, mount_sample, write_config

EXPECTED = json.loads((SAMPLE / "expected.json").read_text())


def _count(url, model):
    from store import session_scope

    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(model))


SUBSCRIBERS = [
    {"name": "everything", "email": "all@example.com"},
    {"name": "chips-only", "email": "chips@example.com", "technologies": ["semiconductors"]},
    {"name": "newsroom", "slack_connection": "slack_e2e"},
]


def _feeds(http_server, revision: bool = False):
    feeds = [("Sample wire", http_server.url("/rss.xml")), ("Sample tech desk", http_server.url("/atom.xml"))]
    return feeds + ([("Sample follow-up", http_server.url("/revision/rss2.xml"))] if revision else [])


@pytest.fixture
def planwatch_env(airflow_db, http_server, smtp_server, slack_server, tmp_path, monkeypatch):
    mount_sample(http_server)
    env = write_config(tmp_path / "config", _feeds(http_server), SUBSCRIBERS)
    url = f"sqlite:///{tmp_path / 'planwatch.db'}"
    env.update(connection_env(smtp_server, slack_server, "slack_e2e"))
    env.update({"PLANWATCH_HOME": str(tmp_path), "PLANWATCH_DATABASE_URL": url,
                "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1", "PLANWATCH_MAX_INSTANT_ALERTS": "50"})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return url


def _dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(Path(__file__).resolve().parents[1] / "dags"))
    assert bag.import_errors == {}
    return bag.dags["planwatch_ingest"], bag.dags["planwatch_alerts"]


def _rows(url):
    from store.models import Article, Delivery, Entry, Fact, FactSource, Figure, Mention

    return {m.__name__: _count(url, m) for m in (Article, Entry, Fact, FactSource, Figure, Mention, Delivery)}


def test_feeds_to_alerts_through_airflow(planwatch_env, http_server, smtp_server, slack_server, tmp_path):
    from store import session_scope
    from store.models import Article, Entry, Fact, FactSource, Feed

    url = planwatch_env
    ingest, alerts = _dags()
    assert ingest.test().state == "success"
    assert alerts.test().state == "success"

    with session_scope(url) as s:
        feeds = s.scalars(select(Feed)).all()
        assert {f.last_status for f in feeds} == {"ok"} and all(f.etag or f.body_hash for f in feeds)
        articles = {a.canonical_url.rsplit("/", 1)[-1]: a for a in s.scalars(select(Article))}
        assert articles["empty.html"].status == "no_text"
        missing = s.scalar(select(Entry).where(Entry.link.like("%missing.html")))
        assert missing.status == "error" and "404" in missing.error
        # the story in both feeds (once with tracking parameters) was fetched once; nothing is left to fetch
        assert [e.link for e in s.scalars(select(Entry).where(Entry.status == "new"))] == []
        assert len([r for r in http_server.requests if r.path.startswith("/articles/cnn-tech-plan.html")]) == 1
        copy = articles["wire-chip-fund.html"]
        assert copy.duplicate_of_id is not None
        facts = s.scalars(select(Fact)).all()
        # the seed's headline figure is one fact, with its conversion
        ai = [f for f in facts if f.unit == "CNY" and f.value == 1e13]
        assert len(ai) == 1 and ai[0].alt_value == pytest.approx(1.45e12) and ai[0].year == 2030
        # the page about another country's plan yields no figures
        assert not [f for f in facts if f.first_article.canonical_url.endswith(_negative_page())]
        # the copy corroborates the chip story: its facts have two sources, from one outlet (every page of
        # the bundle is served by the same host, and outlets are counted, not articles)
        two = s.scalars(select(FactSource.fact_id).group_by(FactSource.fact_id)
                        .having(func.count(FactSource.article_id) >= 2)).all()
        assert two and all(s.get(Fact, i).source_count == 1 for i in two)
        n_facts = len(facts)

    # one email per subscriber for the run, every fact in it; the chips subscriber only gets chip facts
    to_all = [m for m in smtp_server.messages if "all@example.com" in m["To"]]
    to_chips = [m for m in smtp_server.messages if "chips@example.com" in m["To"]]
    assert len(to_all) == 1 and len(to_chips) == 1
    body = to_all[0].get_body(preferencelist=("plain",)).get_content()
    assert body.count("\n* ") == n_facts and to_all[0]["Subject"].endswith(f"(+{n_facts - 1} more)")
    assert 0 < to_chips[0].get_body(preferencelist=("plain",)).get_content().count("\n* ") < n_facts
    assert "10 trillion yuan" in body and "AI-related industry" in body
    for m in smtp_server.messages:
        assert m.get_body(preferencelist=("html",)) is not None and m["List-Unsubscribe"]
    assert len(slack_server.posts) == 1 and "blocks" in slack_server.posts[0]

    # half an hour later: a second run of both DAGs polls again, sends nothing and adds no rows
    with session_scope(url) as s:
        for feed in s.scalars(select(Feed)):
            feed.next_poll_at = None
    before, sent = _rows(url), (len(smtp_server.messages), len(slack_server.posts))
    assert ingest.test().state == "success"
    assert alerts.test().state == "success"
    assert _rows(url) == before
    assert (len(smtp_server.messages), len(slack_server.posts)) == sent
    polls = [r for r in http_server.requests if r.path == "/rss.xml"]
    assert len(polls) == 2 and polls[-1].headers.get("if-none-match")

    # the follow-up feed brings the revision page: alerted as old → new, once per subscriber
    write_config(tmp_path / "config", _feeds(http_server, revision=True), SUBSCRIBERS)
    assert ingest.test().state == "success"
    assert alerts.test().state == "success"
    revised = [m for m in smtp_server.messages[sent[0]:] if "all@example.com" in m["To"]]
    assert len(revised) == 1
    assert revised[0]["Subject"] == "planwatch: revised: AI-related industry by 2030: 10 trillion → 12 trillion yuan"
    text = revised[0].get_body(preferencelist=("plain",)).get_content()
    assert "Revised: AI-related industry by 2030: 10 trillion → 12 trillion yuan" in text
    assert "cnn-tech-plan.html" in text and "revision.html" in text  # the sources of both values
    assert "10 trillion → 12 trillion yuan" in json.dumps(slack_server.posts[-1], ensure_ascii=False)


def _negative_page() -> str:
    negatives = [e["file"] for e in EXPECTED if not e["plans"] and not e["figures"] and e["technologies"] != []]
    assert negatives, "the sample bundle must keep a page about another country's plan"
    return negatives[0]
