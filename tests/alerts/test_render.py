"""alerts.render: what an alert says, golden files for the seed article, escaping, Slack limits."""

import datetime as dt
import json
import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from alerts import render
from store.models import Article, Fact

GOLDEN = Path(__file__).parent / "golden"
ENV = render.Envelope(subscriber="research-desk", mail_from="planwatch@localhost", to="analysts@example.com")
WHEN = dt.datetime(2026, 3, 12, 9, 0, tzinfo=dt.timezone.utc)


def seed_items(seed_facts):
    facts, article = seed_facts
    return render.ranked(render.item(f, article, delivery_id=100 + f.id) for f in facts)


def check_golden(name: str, text: str):
    path = GOLDEN / name
    if os.environ.get("PLANWATCH_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with PLANWATCH_UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file " \
        "(if the change is intended, regenerate with PLANWATCH_UPDATE_GOLDEN=1 and review the diff)"


def pipeline_items(db_url, pages):
    """Items of the facts the real pipeline (extract → detect → store) makes of sample-bundle ``pages``."""
    from sqlalchemy import select

    from extract.article import extract_article
    from extract.detect import detect
    from planwatch.demo import SAMPLE
    from store.articles import save_article
    from store.db import migrate, session_scope

    migrate(db_url)
    with session_scope(db_url) as s:
        for name, url in pages:
            html = (SAMPLE / name).read_bytes().replace(b"{base}", b"https://edition.cnn.com")
            article = extract_article(html, url)
            article.canonical_url = url
            save_article(s, article, detect(article.text, title=article.title, published=article.date))
        return render.grouped(render.items_for_facts(s, s.scalars(select(Fact).order_by(Fact.id)).all()))


def test_golden_email_and_slack_are_what_the_pipeline_makes_of_the_sample_bundle(db_url):
    from planwatch.demo import SAMPLE  # noqa: F401

    items = pipeline_items(db_url, [("articles/cnn-tech-plan.html",
                                     "https://edition.cnn.com/2026/03/12/china/china-five-year-plan-tech-intl-hnk")])
    msg = render.render_email("alert", items, ENV, WHEN, key="golden", full=10)
    check_golden("email.txt", msg.get_body(("plain",)).get_content())
    check_golden("email.html", msg.get_body(("html",)).get_content())
    check_golden("slack.json", render.slack_json([render.render_slack_one(items, ENV, 10)]))


def test_seed_alert_says_what_the_brief_says(seed_facts):
    items = seed_items(seed_facts)
    assert render.subject_line("alert", items) == \
        "planwatch: AI-related industry > 10 trillion yuan by 2030 (+3 more)"
    by_subject = {i.subject: i for i in items}
    ai = by_subject["AI-related industry"]
    assert ai.figure == "more than 10 trillion yuan (≈ 1.45 trillion US dollars) by 2030"
    assert ai.phrase == "more than 10 trillion yuan ($1.45 trillion)"
    assert ai.source_url.startswith("https://edition.cnn.com/") and ai.source_date == "2026-03-12"
    assert by_subject["annual budget for science and technology"].figure == "10%"
    assert by_subject["annual research and development investment"].figure == "at least 7%"
    assert by_subject["'artificial intelligence' mentioned in the plan"].figure == "more than 50"
    text = render.render_email("alert", items, ENV, WHEN).get_body(("plain",)).get_content()
    for words in ("10 trillion yuan", "at least 7%", "10%", "more than 50", "Carried by:   1 outlet",
                  "https://edition.cnn.com/2026/03/12/china/china-five-year-plan-tech-intl-hnk", "2026-03-12",
                  "Technologies: Artificial intelligence", "muted: true"):
        assert words in text


def test_revision_shows_old_to_new(seed_facts):
    facts, article = seed_facts
    old = facts[2]
    new = Fact(id=9, subject="AI-related industry", unit="CNY", value=1.2e13, qualifier="more_than", year=2030,
               technologies=["ai"], phrase="more than 12 trillion yuan", sentence="It may reach more than 12 "
               "trillion yuan by 2030.", first_article_id=1, source_count=2, revises_id=old.id)
    it = render.item(new, article, old=old)
    assert it.kind == "revision"
    assert it.change == "AI-related industry by 2030: 10 trillion → 12 trillion yuan"
    assert render.subject_line("alert", [it]) == \
        "planwatch: revised: AI-related industry by 2030: 10 trillion → 12 trillion yuan"
    msg = render.render_email("alert", [it], ENV, WHEN)
    assert "10 trillion → 12 trillion yuan" in msg.get_body(("html",)).get_content()
    section = render.render_slack("alert", [it], ENV)[0].payload["blocks"][2]["text"]["text"]
    assert section.startswith("*Revised:* AI-related industry by 2030: 10 trillion → 12 trillion yuan")


def test_email_is_multipart_alternative_with_unsubscribe(seed_facts):
    msg = render.render_email("alert", seed_items(seed_facts), ENV, WHEN, key="instant.1.1")
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["List-Unsubscribe"] == "<mailto:planwatch@localhost?subject=unsubscribe%20research-desk>"
    assert parsed["Message-ID"] == "<planwatch.instant.1.1@localhost>"
    assert parsed["X-Planwatch-Deliveries"] == "103,101,102,104"
    html = parsed.get_body(("html",)).get_content()
    assert 'style="' in html and "<style" not in html  # inline styles only: what mail clients keep


HOSTILE = "<!channel> <script>alert(1)</script> & co\r\nBcc: victim@example.com"


def hostile_item():
    url = "https://news.example.com/a|b>c?x=<1>"
    article = Article(id=1, canonical_url=url, url=url, host="news.example.com", title=HOSTILE,
                      published=dt.date(2026, 3, 12))
    fact = Fact(id=1, subject=HOSTILE, unit="CNY", value=1e9, qualifier=None, year=None, technologies=["ai"],
                phrase="1 billion yuan", sentence=f"{HOSTILE} pledged 1 billion yuan <b>now</b>.",
                first_article_id=1, source_count=1)
    return render.item(fact, article, delivery_id=1)


def test_feed_text_is_never_markup():
    it = hostile_item()
    msg = render.render_email("alert", [it], ENV, WHEN)
    raw = msg.as_string()
    subject = msg["Subject"]
    assert "\n" not in subject and "\r" not in subject and "Bcc" in subject  # folded into the subject, as text
    assert "\nBcc:" not in raw.split("\n\n", 1)[0]  # no injected header
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;!channel&gt;" in html and "<b>now</b>" not in html
    payload = json.dumps(render.render_slack("alert", [it], ENV)[0].payload)
    assert "<!channel>" not in payload and "&lt;!channel&gt;" in payload
    assert "<script>" not in payload and "&amp; co" in payload
    assert "https://news.example.com/a%7Cb%3Ec?x=%3C1%3E|" in payload


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "ftp://example.com/x",
                                 "https://exa mple.com/", None])
def test_only_http_links(url):
    assert render.safe_url(url) is None
    assert render.slack_link(url, "label") == "label"


def test_slack_stays_within_limits_and_splits(seed_facts):
    facts, article = seed_facts
    many = []
    for i in range(40):
        f = Fact(id=1000 + i, subject=f"figure {i}", unit="percent", value=float(i), technologies=["ai"],
                 phrase=f"{i}%", sentence=("long & <winding> " * 400) + f"{i}%", first_article_id=1, source_count=1)
        many.append(render.item(f, article, delivery_id=5000 + i))
    posts = render.render_slack("rollup", many, ENV)
    assert len(posts) > 1
    seen = []
    for n, post in enumerate(posts, 1):
        blocks = post.payload["blocks"]
        assert len(blocks) <= render.SLACK_MAX_BLOCKS
        assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"].endswith(f"({n}/{len(posts)})")
        for block in blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= render.SLACK_MAX_TEXT
            for element in block.get("elements", []):
                assert len(element["text"]) <= render.SLACK_MAX_TEXT
        seen += post.delivery_ids
    assert seen == [i.delivery_id for i in many]  # every delivery in exactly one post
    assert "muted: true" in json.dumps(posts[-1].payload)


def test_numbers():
    assert render.number(1e13) == "10 trillion"
    assert render.number(1.45e12) == "1.45 trillion"
    assert render.number(2.5e9) == "2.5 billion"
    assert render.number(7.0) == "7" and render.number(1234.5) == "1,234.5"
    assert render.amount(3e8, "USD") == "300 million USD"


def test_slack_mrkdwn_from_feed_text_arrives_as_plain_text():
    from alerts.escape import mrkdwn

    out = mrkdwn("*URGENT* _x_ ~y~ `code` <!channel> a&b \u202eevil")
    for mark in "*_~`<>\u202e":
        assert mark not in out
    assert "URGENT" in out and "&lt;!channel&gt;" in out and "a&amp;b" in out
