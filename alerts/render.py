"""Rendering alerts: email (plain text + HTML, Jinja2) and Slack Block Kit.

Text from feeds is never markup: Jinja2 autoescapes HTML; Slack mrkdwn gets &, <, >
escaped (so ``<!channel>`` arrives as text); links are http(s) only; header values
lose CR/LF and control characters before they reach ``EmailMessage``.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import json
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from alerts.escape import mrkdwn, one_line
from extract.taxonomy import default_taxonomy
from extract.urls import canonical_url
from store.models import Article, Delivery, Fact

SLACK_MAX_BLOCKS = 50
SLACK_MAX_TEXT = 3000  # a section's text
SLACK_MAX_HEADER = 150
SUBJECT_MAX = 180
# Headers are written unfolded (RFC 5322 allows 998 characters): CPython folds a non-ASCII subject
# such as '10 trillion → 12 trillion' so that it reads back with a doubled space. Parts are encoded
# (quoted-printable/base64) with the default 78-character policy before this one is set.
SEND_POLICY = email.policy.SMTP.clone(max_line_length=998)

QUALIFIERS = {"at_least": "at least", "more_than": "more than", "about": "about", "up_to": "up to",
              "less_than": "less than"}
SYMBOLS = {"at_least": "≥", "more_than": ">", "about": "≈", "up_to": "≤", "less_than": "<"}
UNIT_WORDS = {"CNY": "yuan", "USD": "US dollars", "EUR": "euros", "HKD": "Hong Kong dollars", "TWD": "Taiwan dollars",
              "JPY": "yen", "GBP": "pounds", "percentage_points": "percentage points",
              "count_per_10k_people": "per 10,000 people", "count_per_10k_workers": "per 10,000 workers",
              "tonnes_per_year": "tonnes a year", "degC": "°C", "s": "seconds", "m": "metres"}
COUNT_UNITS = {"count", "times", "items", ""}
SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Item:
    """One fact as shown in an alert."""

    fact_id: int
    kind: str  # new | revision
    headline: str  # 'AI-related industry > 10 trillion yuan by 2030'
    figure: str  # normalised: 'more than 10 trillion CNY (≈ 1.45 trillion USD) by 2030'
    phrase: str  # as written
    subject: str
    technologies: tuple[str, ...]
    sentence: tuple[str, str, str]  # before the phrase, the phrase, after it
    source_url: str | None  # http(s) only
    source_label: str
    source_date: str | None
    outlets: int
    change: str | None = None  # revisions: 'AI-related industry by 2030: 10 trillion → 12 trillion yuan'
    delivery_id: int | None = None
    money: bool = False
    story: int = 0  # the first copy of the article the fact was first seen in: items of one story go together
    story_title: str = ""
    old_source_url: str | None = None  # revisions: where the old value was reported
    old_source_label: str = ""
    old_source_date: str | None = None


@dataclass
class SlackPost:
    """One webhook post and the deliveries it carries."""

    payload: dict
    delivery_ids: list[int] = field(default_factory=list)


# -- figures -----------------------------------------------------------------------------------------------------


def number(value: float) -> str:
    """1e13 → '10 trillion', 1.45e12 → '1.45 trillion', 7.0 → '7'."""
    for scale, word in SCALES:
        if abs(value) >= scale:
            return f"{_plain(value / scale)} {word}"
    return _plain(value)


def _plain(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def amount(value: float, unit: str) -> str:
    """Value with its unit: '10 trillion CNY', '10%', '50'."""
    if unit == "percent":
        return f"{number(value)}%"
    if unit in COUNT_UNITS:
        return number(value)
    return f"{number(value)} {unit}"


def worded_amount(value: float, unit: str) -> str:
    """Value with its unit in words: '10 trillion yuan', '10%', '5 percentage points', '50'."""
    return _worded(number(value), unit)


def _span(fact: Fact, fmt) -> str:
    if fact.low is not None and fact.high is not None and fact.low != fact.high:
        low, high = fmt(fact.low), fmt(fact.high)
        return f"{low}–{high}"
    return fmt(fact.value)


def figure_text(fact: Fact) -> str:
    """Normalised, in words: 'more than 10 trillion yuan (≈ 1.45 trillion US dollars) by 2030'."""
    text = _span(fact, lambda v: worded_amount(v, fact.unit))
    if fact.qualifier in QUALIFIERS:
        text = f"{QUALIFIERS[fact.qualifier]} {text}"
    if fact.alt_value is not None and fact.alt_unit:
        text += f" (≈ {worded_amount(fact.alt_value, fact.alt_unit)})"
    if fact.year:
        text += f" by {fact.year}"
    return text


def _worded(value_text: str, unit: str) -> str:
    if unit == "percent":
        return f"{value_text}%"
    if unit in COUNT_UNITS:
        return value_text
    return f"{value_text} {UNIT_WORDS.get(unit, unit)}"


def headline(fact: Fact) -> str:
    """Short form for subject lines: 'AI-related industry > 10 trillion yuan by 2030'."""
    subject = one_line(fact.subject) or one_line(fact.phrase) or "figure"
    value = _worded(_span(fact, number), fact.unit)
    symbol = SYMBOLS.get(fact.qualifier or "")
    text = f"{subject} {symbol} {value}" if symbol else f"{subject}: {value}"
    return text + (f" by {fact.year}" if fact.year else "")


def change_text(old: Fact, new: Fact) -> str:
    """A revision: 'AI-related industry by 2030: 10 trillion → 12 trillion yuan'."""
    subject = one_line(new.subject) or one_line(new.phrase) or "figure"
    if new.year:
        subject += f" by {new.year}"
    if new.unit == "percent":
        return f"{subject}: {number(old.value)}% → {number(new.value)}%"
    if old.unit != new.unit:
        return f"{subject}: {worded_amount(old.value, old.unit)} → {worded_amount(new.value, new.unit)}"
    return f"{subject}: {number(old.value)} → {_worded(number(new.value), new.unit)}"


def technology_names(ids) -> tuple[str, ...]:
    """Taxonomy labels for technology ids ('ai' → 'Artificial intelligence'); unknown ids as they are."""
    labels = {t.id: t.label for t in default_taxonomy().technologies}
    return tuple(labels.get(i, i) for i in ids or ())


def _source(article: Article | None) -> tuple[str | None, str, str | None]:
    """(link without tracking parameters, label, date) of an article."""
    if article is None:
        return None, "source", None
    raw = safe_url(article.url)
    url = safe_url(canonical_url(raw)) if raw else None
    label = one_line(article.title) if article.title else article.host or ""
    day = article.published or (article.fetched_at.date() if article.fetched_at else None)
    return url, label or url or "source", day.isoformat() if day else None


def _sentence_parts(sentence: str, phrase: str) -> tuple[str, str, str]:
    sentence = " ".join((sentence or "").split())
    phrase = " ".join((phrase or "").split())
    at = sentence.find(phrase) if phrase else -1
    if at < 0:
        return sentence, "", ""
    return sentence[:at], phrase, sentence[at + len(phrase):]


def item(fact: Fact, article: Article | None, old: Fact | None = None, delivery_id: int | None = None,
         old_article: Article | None = None) -> Item:
    """The view of one fact: ``article`` is its first source, ``old`` the fact it revises (first seen in
    ``old_article``)."""
    url, label, when = _source(article)
    old_url, old_label, old_when = _source(old_article) if old is not None else (None, "", None)
    revision = old is not None
    story = (article.duplicate_of_id or article.id or 0) if article is not None else 0
    return Item(
        fact_id=fact.id, kind="revision" if revision else "new", headline=headline(fact), figure=figure_text(fact),
        phrase=" ".join((fact.phrase or "").split()), subject=one_line(fact.subject),
        technologies=technology_names(fact.technologies), sentence=_sentence_parts(fact.sentence, fact.phrase),
        source_url=url, source_label=label, source_date=when, outlets=fact.source_count or 1,
        change=change_text(old, fact) if revision else None, delivery_id=delivery_id,
        money=fact.unit not in COUNT_UNITS and fact.unit != "percent", story=story, story_title=label,
        old_source_url=old_url, old_source_label=old_label if revision else "", old_source_date=old_when,
    )


def _item_of(session: Session, fact: Fact, delivery_id: int | None = None) -> Item:
    old = session.get(Fact, fact.revises_id) if fact.revises_id else None
    return item(fact, session.get(Article, fact.first_article_id), old, delivery_id,
                session.get(Article, old.first_article_id) if old is not None else None)


def items_for(session: Session, deliveries: Sequence[Delivery]) -> list[Item]:
    """Items for deliveries, loading each fact, its first article and the fact it revises."""
    return [_item_of(session, session.get(Fact, d.fact_id), d.id) for d in deliveries]


def items_for_facts(session: Session, facts: Iterable[Fact]) -> list[Item]:
    return [_item_of(session, f) for f in facts]


def _rank(i: Item) -> tuple:
    return (-i.outlets, not i.money, i.fact_id)


def ranked(items: Iterable[Item]) -> list[Item]:
    """The top figure first: most outlets, then amounts of money, then the order found."""
    return sorted(items, key=_rank)


def grouped(items: Iterable[Item]) -> list[Item]:
    """A run's items for one message: revisions first, then story by story (the story of the top figure
    first), each story's figures ranked."""
    items = list(items)
    best: dict[int, tuple] = {}
    for i in items:
        best[i.story] = min(best.get(i.story, _rank(i)), _rank(i))
    return sorted(items, key=lambda i: (i.kind != "revision", best[i.story], i.story, _rank(i)))


# -- safety --------------------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) without spaces or control characters, else None."""
    if not url:
        return None
    url = url.strip()
    if not re.match(r"^https?://[^\s/?#]+", url, re.IGNORECASE) or _CONTROL.search(url) or " " in url:
        return None
    return url


def slack_link(url: str | None, label: str) -> str:
    """'<url|label>' for http(s) URLs ('|', '<', '>' percent-encoded in the URL); else the label as text."""
    url = safe_url(url)
    text = clip(label, 300)
    if not url or len(url) > 2000:
        return text
    url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{url}|{text.replace('|', '¦')}>"


# -- email -----------------------------------------------------------------------------------------------------------


REPEAT_NOTE = ("Sent again: an earlier attempt got no answer from the channel and may have arrived; "
               "if you have it already, this message repeats it.")


@dataclass(frozen=True)
class Envelope:
    """Who a message is for and from."""

    subscriber: str
    mail_from: str
    to: str | None = None
    repeat: bool = False  # an earlier send of these deliveries got no answer: this message may repeat it


def subject_line(kind: str, items: Sequence[Item], day: dt.date | None = None) -> str:
    """'planwatch: AI-related industry > 10 trillion yuan by 2030 (+3 more)'."""
    if kind == "digest":
        n = len(items)
        text = f"planwatch digest {day.isoformat() if day else ''}: {n} new figure{'s' if n != 1 else ''}"
    elif not items:
        text = "planwatch: no new figures"
    else:
        top = items[0]
        text = "planwatch: " + (f"revised: {top.change}" if top.change else top.headline)
        if len(items) > 1:
            text += f" (+{len(items) - 1} more)"
    text = one_line(text)
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 1] + "…"


def _context(kind: str, items: Sequence[Item], top: Sequence[Item], env: Envelope, day: dt.date | None,
             full: int | None = None) -> dict:
    n = len(items)
    shown = list(items) if full is None else list(items)[:full]
    brief = [] if full is None else list(items)[full:]
    if kind == "digest":
        heading = f"planwatch digest for {day.isoformat() if day else 'today'}"
        intro = (f"{n} new figure{'s' if n != 1 else ''} today" if n else "No new figures today") + \
            (", and the figures most outlets carried." if top else ".")
    elif kind == "rollup":
        heading = f"planwatch: {n} more new figure{'s' if n != 1 else ''}"
        intro = "Many figures turned up at once; rather than one message each, the rest are collected here."
    else:
        revised = sum(1 for i in items if i.change)
        fresh = n - revised
        parts = ([f"{fresh} new figure{'s' if fresh != 1 else ''}"] if fresh else []) + \
            ([f"{revised} revised figure{'s' if revised != 1 else ''}"] if revised else [])
        heading = "planwatch: " + (" and ".join(parts) or "no new figures")
        intro = "A figure nobody reported before turned up in the news." if n == 1 and not revised else \
            "A figure reported before has a new value." if n == 1 else \
            "Figures nobody reported before turned up in the news, grouped by story" + \
            (", revisions first." if revised else ".")
        if brief:
            intro += f" The first {len(shown)} are shown in full, the other {len(brief)} listed briefly."
    if env.repeat:
        intro = f"{REPEAT_NOTE} {intro}"
    address = parseaddr(env.mail_from)[1] or env.mail_from
    return dict(kind=kind, items=shown, brief=brief, top=top, heading=heading, intro=intro,
                subscriber=env.subscriber, operator=address, subject=subject_line(kind, items, day))


def render_text(kind: str, items: Sequence[Item], env: Envelope, top: Sequence[Item] = (),
                day: dt.date | None = None, full: int | None = None) -> str:
    return _env.get_template("alert.txt").render(**_context(kind, items, top, env, day, full))


def render_html(kind: str, items: Sequence[Item], env: Envelope, top: Sequence[Item] = (),
                day: dt.date | None = None, full: int | None = None) -> str:
    return _env.get_template("alert.html").render(**_context(kind, items, top, env, day, full))


def render_email(kind: str, items: Sequence[Item], env: Envelope, now: dt.datetime, top: Sequence[Item] = (),
                 day: dt.date | None = None, key: str | None = None, full: int | None = None) -> EmailMessage:
    """A multipart/alternative email (text + HTML) with safe headers and List-Unsubscribe.

    ``key`` names the message for its Message-ID (the same deliveries give the same id, so a
    resend after a crash can be recognised as a duplicate by mail clients). ``full``: how many items are
    shown in full (flood control); the rest are listed one line each.
    """
    msg = EmailMessage(policy=email.policy.SMTP)
    address = parseaddr(env.mail_from)[1] or "planwatch@localhost"
    domain = address.rpartition("@")[2] or "localhost"
    msg["Subject"] = subject_line(kind, items, day)
    msg["From"] = one_line(env.mail_from)
    msg["To"] = one_line(env.to)
    msg["Date"] = format_datetime(now.astimezone(dt.timezone.utc))
    if key:
        msg["Message-ID"] = f"<planwatch.{re.sub(r'[^A-Za-z0-9.-]', '-', key)}@{domain}>"
    msg["List-Unsubscribe"] = f"<mailto:{address}?subject={quote('unsubscribe ' + one_line(env.subscriber))}>"
    msg["Auto-Submitted"] = "auto-generated"
    ids = [str(i.delivery_id) for i in items if i.delivery_id is not None]
    if ids:
        msg["X-Planwatch-Deliveries"] = ",".join(ids)
    msg.set_content(render_text(kind, items, env, top, day, full))
    msg.add_alternative(render_html(kind, items, env, top, day, full), subtype="html")
    msg.policy = SEND_POLICY
    return msg


# -- Slack -------------------------------------------------------------------------------------------------------------


def clip(raw: str | None, limit: int) -> str:
    """``raw`` escaped for mrkdwn, cut (with '…') so that the escaped text is at most ``limit`` characters."""
    text = mrkdwn(raw)
    if len(text) <= limit:
        return text
    cut = (raw or "")[: max(0, limit - 1)]
    while cut and len(mrkdwn(cut)) > limit - 1:
        excess = len(mrkdwn(cut)) - (limit - 1)
        cut = cut[: len(cut) - max(1, excess // 4)]  # an escaped character is at most 5 long
    return mrkdwn(cut) + "…"


def _item_blocks(it: Item) -> list[dict]:
    first = f"*Revised:* {clip(it.change, 400)}" if it.change else f"*{clip(it.headline, 400)}*"
    head = f"{first}\n{clip(it.figure, 300)} — as written: “{clip(it.phrase, 400)}”"
    head += f"\n*Subject:* {clip(it.subject, 400) or '—'}"
    if it.technologies:
        head += f" · *Technologies:* {clip(', '.join(it.technologies), 300)}"
    head += "\n> "
    before, phrase, after = it.sentence
    text = head + mrkdwn(before) + (f"*{mrkdwn(phrase)}*" if phrase else "") + mrkdwn(after)
    if len(text) > SLACK_MAX_TEXT:
        text = head + clip(before + phrase + after, SLACK_MAX_TEXT - len(head))
    source = slack_link(it.source_url, it.source_label)
    bits = [source] + ([it.source_date] if it.source_date else [])
    bits.append(f"carried by {it.outlets} outlet{'s' if it.outlets != 1 else ''}")
    if it.change and it.old_source_label:
        bits.append("old value: " + slack_link(it.old_source_url, it.old_source_label) +
                    (f" {it.old_source_date}" if it.old_source_date else ""))
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(bits)}]},
        {"type": "divider"},
    ]


def brief_line(it: Item) -> str:
    """One line for a figure listed briefly: 'AI-related industry > 10 trillion yuan by 2030 — source, 2 outlets'."""
    head = f"revised: {it.change}" if it.change else it.headline
    return f"{head} — {it.source_label}, {it.outlets} outlet{'s' if it.outlets != 1 else ''}"


def render_slack_one(items: Sequence[Item], env: Envelope, full: int) -> SlackPost:
    """A run's alert as ONE Block Kit post: ``full`` items in full (fewer if Slack's 50 blocks run out), the
    rest one line each, packed into sections of at most 3,000 characters."""
    ctx = _context("alert", items, (), env, None)
    room = SLACK_MAX_BLOCKS - 4  # header, intro, footer, and one block for the brief list's last words
    body: list[dict] = []
    shown = 0
    for it in items[:full]:
        blocks = _item_blocks(it)
        if len(body) + len(blocks) > room - 2:
            break
        body += blocks
        shown += 1
    rest = list(items[shown:])
    if rest:
        lines = [f"• {clip(brief_line(it), 600)}" for it in rest]
        section, left = "*Also new in this run*", len(lines)
        for line in lines:
            if len(section) + 1 + len(line) > SLACK_MAX_TEXT:
                if len(body) >= room:
                    break
                body.append(_section(section))
                section = ""
            section = f"{section}\n{line}" if section else line
            left -= 1
        body.append(_section(section + (f"\n… and {left} more" if left else "")))
    elif body and body[-1]["type"] == "divider":
        body = body[:-1]
    footer = {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(
        f"Sent to subscriber '{env.subscriber}'. To stop these alerts, set muted: true for your entry in "
        f"subscribers.yaml, or ask the planwatch operator ({ctx['operator']}).")[:SLACK_MAX_TEXT]}]}
    header = {"type": "header", "text": {"type": "plain_text", "text": one_line(ctx["heading"])[:SLACK_MAX_HEADER]}}
    payload = {"text": mrkdwn(ctx["subject"]), "blocks": [header, _section(mrkdwn(ctx["intro"]))] + body + [footer]}
    return SlackPost(payload, [i.delivery_id for i in items if i.delivery_id is not None])


def render_slack(kind: str, items: Sequence[Item], env: Envelope, top: Sequence[Item] = (),
                 day: dt.date | None = None) -> list[SlackPost]:
    """Block Kit posts within Slack's limits (≤ 50 blocks, ≤ 3,000 characters a section); long digests split."""
    ctx = _context(kind, items, top, env, day)
    units: list[tuple[list[dict], int | None]] = []
    if kind == "digest" and items:
        units.append(([_section("*New today*")], None))
    units += [(_item_blocks(it), it.delivery_id) for it in items]
    if top:
        units.append(([_section("*Most outlets carried*")], None))
        units += [(_item_blocks(it), None) for it in top]
    footer = {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(
        f"Sent to subscriber '{env.subscriber}'. To stop these alerts, set muted: true for your entry in "
        f"subscribers.yaml, or ask the planwatch operator ({ctx['operator']}).")[:SLACK_MAX_TEXT]}]}
    intro = _section(mrkdwn(ctx["intro"]))
    room = SLACK_MAX_BLOCKS - 3  # header + intro + footer
    posts: list[tuple[list[dict], list[int]]] = []
    blocks: list[dict] = []
    ids: list[int] = []
    for unit, delivery_id in units:
        if blocks and len(blocks) + len(unit) > room:
            posts.append((blocks, ids))
            blocks, ids = [], []
        blocks += unit
        if delivery_id is not None:
            ids.append(delivery_id)
    if blocks or not posts:
        posts.append((blocks, ids))
    out = []
    fallback = mrkdwn(ctx["subject"])
    for n, (body, post_ids) in enumerate(posts, 1):
        title = ctx["heading"] + (f" ({n}/{len(posts)})" if len(posts) > 1 else "")
        header = {"type": "header", "text": {"type": "plain_text", "text": one_line(title)[:SLACK_MAX_HEADER]}}
        if body and body[-1]["type"] == "divider":
            body = body[:-1]
        payload = {"text": fallback, "blocks": [header] + ([intro] if n == 1 else []) + body + [footer]}
        out.append(SlackPost(payload, post_ids))
    return out


_env.filters["brief_line"] = lambda it: brief_line(it)


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SLACK_MAX_TEXT]}}


def slack_json(posts: Sequence[SlackPost]) -> str:
    """The posts' payloads as stable, readable JSON (for golden files and logs)."""
    return json.dumps([p.payload for p in posts], indent=2, ensure_ascii=False) + "\n"
