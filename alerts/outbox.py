"""The delivery outbox: pending rows → messages → sent | failed, at most once per (subscriber, fact).

How a delivery moves:

1. ``alerts.select.enqueue`` writes it ``pending`` before anything is sent.
2. A run *claims* the rows it is about to send in one short transaction: a conditional
   ``UPDATE .. SET batch = <token>, next_attempt_at = now + LEASE WHERE status = 'pending' AND
   (next_attempt_at IS NULL OR next_attempt_at <= now)``. The condition is re-checked under the
   row lock (PostgreSQL) or the single writer lock (SQLite), so two concurrent runs never both
   claim a row; a run that dies leaves its claim to expire after ``LEASE``.
3. It renders and sends; the moment the server accepts a message (an SMTP 250 after DATA, a
   Slack 200 for one post) it commits ``status='sent'`` for exactly the deliveries in that message,
   in its own transaction, guarded by the claim token. A sent row is never picked up again.
4. A transient failure (SMTP 4xx, connection lost, Slack 429/5xx, timeout) adds one attempt,
   records ``last_error`` and sets ``next_attempt_at`` by exponential backoff, or to the
   ``Retry-After`` Slack gave; the row stays pending. After ``MAX_ATTEMPTS`` it becomes failed.
   A permanent failure (SMTP 5xx, refused recipient, Slack 400/403/404/410) marks it ``failed``
   at once; failed rows are never retried and ``failed_deliveries`` lists them for operators.

The windows that remain: the server accepted a message and the process died before step 3's
commit; or the channel gave no answer (a timeout, a
dropped connection after the request was sent). The delivery stays pending and a later run
sends it again — a duplicate, never a loss (a failed 'sent' commit is journalled instead:
``alerts.sent_journal``, replayed before the next send); a Slack 429 or 5xx, a refused connection and an
SMTP 4xx are answers that nothing was accepted, so their retries duplicate nothing. A busy
store is waited for at step 3 (``SENT_PATIENCE``) rather than given up. Emails carry a
Message-ID derived from the delivery ids, so a resent copy has the same id.

One message per run: an instant subscriber gets at most one email (or one Slack post) per run,
carrying all its due deliveries grouped by story, revisions first, the subject naming the top figure
and "+N more". Flood control limits how many figures that message shows in full
(``settings.max_instant_alerts``); the rest are listed one line each and recorded as ``mode='rollup'``.
Digest subscribers get one message a day (``send_digest``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Sequence

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from alerts import render, sent_journal
from alerts.channels import EmailChannel, SlackChannel
from alerts.select import matches
from alerts.errors import MAY_HAVE_ARRIVED, DeliveryError
from extract.cleantext import bounded
from store.db import session_scope
from store.errors import StoreBusy, StoreError
from store.models import Delivery, Fact, Subscriber, utcnow

from alerts.operators import OperatorSettings


class AlertSettings(OperatorSettings):
    """The values the outbox needs (planwatch's Settings has them)."""

    max_instant_alerts: int

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=2)  # longer than one send can take (SMTP and Slack time out after 30 s)
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
MAX_ATTEMPTS = 8  # transient failures before a delivery is given up as failed
DIGEST_TOP = 5  # most corroborated facts of the day shown in a digest


@dataclass
class SendSummary:
    """What a run did: deliveries sent (incl. rolled up), failed for good, left for a retry; messages (emails
    and Slack posts) the servers accepted; the errors met."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    rolled_up: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    id: int
    name: str
    email: str | None
    slack_connection: str | None

    @property
    def channel_key(self) -> tuple[str, str]:
        return ("slack", self.slack_connection) if self.slack_connection else ("smtp", "")


class _Channels:
    """The channels of one run; a channel that is down stays unused for the rest of the run."""

    def __init__(self, settings: AlertSettings):
        self.settings = settings
        self.open: dict[tuple[str, str], EmailChannel | SlackChannel] = {}
        self.down: set[tuple[str, str]] = set()

    def get(self, key: tuple[str, str]) -> EmailChannel | SlackChannel:
        if key not in self.open:
            self.open[key] = (SlackChannel(key[1]) if key[0] == "slack"
                              else EmailChannel(self.settings.smtp_conn_id, self.settings.mail_from))
        return self.open[key]

    def close(self) -> None:
        for channel in self.open.values():
            channel.close()


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after ``attempts`` transient failures: 1, 2, 4 … minutes, at most 6 hours."""
    return min(BACKOFF_MAX, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


def send_pending(settings: AlertSettings, now: dt.datetime | None = None, mode: str = "instant") -> SendSummary:
    """Send the due deliveries of instant-mode subscribers (``mode='digest'``: see ``send_digest``)."""
    if mode == "digest":
        return send_digest(settings, now)
    now = now or utcnow()
    summary = SendSummary()
    _replay_journal(settings.database_url)
    channels = _Channels(settings)
    try:
        for target in _targets(settings.database_url, "instant"):
            if target.channel_key in channels.down:
                continue
            due = _due(settings.database_url, target.id, now)
            if due:
                _deliver(settings, target, due, "instant", now, channels, summary)
    finally:
        channels.close()
    return summary


def send_digest(settings: AlertSettings, now: dt.datetime | None = None) -> SendSummary:
    """One message a day per digest-mode subscriber: its pending deliveries and the day's most carried facts."""
    now = now or utcnow()
    summary = SendSummary()
    _replay_journal(settings.database_url)
    channels = _Channels(settings)
    day_start = dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.timezone.utc)
    try:
        for target in _targets(settings.database_url, "digest"):
            if target.channel_key in channels.down:
                continue
            with session_scope(settings.database_url) as session:
                already = session.scalar(select(func.count()).select_from(Delivery).where(
                    Delivery.subscriber_id == target.id, Delivery.status == "sent", Delivery.mode == "digest",
                    Delivery.sent_at >= day_start))
            if already:
                continue  # today's digest went out; what came since waits for tomorrow's
            due = _due(settings.database_url, target.id, now)
            if due:
                _deliver(settings, target, due, "digest", now, channels, summary)
    finally:
        channels.close()
    return summary


def _replay_journal(url: str) -> None:
    """Record as sent what a channel accepted while the store could not say so (before anything is claimed)."""
    done = sent_journal.replay(url, lambda token, ids, mode, at: _mark_sent(url, token, ids, mode, at))
    if done:
        log.warning("alerts: %d deliveries accepted during a store fault recorded as sent now", done)


def failed_deliveries(session: Session, limit: int = 200) -> list[Delivery]:
    """Deliveries given up (status 'failed'), newest first, with subscriber and fact loaded — for operators."""
    return list(session.scalars(
        select(Delivery).where(Delivery.status == "failed")
        .options(joinedload(Delivery.subscriber), joinedload(Delivery.fact))
        .order_by(Delivery.id.desc()).limit(limit)
    ))


def retrying_deliveries(session: Session, limit: int = 200) -> list[Delivery]:
    """Pending deliveries that failed at least once (their error is known before they are given up)."""
    return list(session.scalars(
        select(Delivery).where(Delivery.status == "pending", Delivery.attempts > 0, Delivery.last_error.is_not(None))
        .options(joinedload(Delivery.subscriber)).order_by(Delivery.id).limit(limit)
    ))
def due_count(session: Session, now: dt.datetime) -> int:
    """Deliveries that a send would try now (pending, and due)."""
    return session.scalar(select(func.count()).select_from(Delivery).where(_due_clause(now))) or 0


# -- steps -------------------------------------------------------------------------------------------------------------


def _targets(url: str, mode: str) -> list[_Target]:
    with session_scope(url) as session:
        rows = session.scalars(select(Subscriber).where(
            Subscriber.active.is_(True), Subscriber.muted.is_(False), Subscriber.mode == mode).order_by(Subscriber.id))
        return [_Target(s.id, s.name, s.email, s.slack_connection) for s in rows]


def _due_clause(now: dt.datetime):
    return and_(Delivery.status == "pending",
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))


def _due(url: str, subscriber_id: int, now: dt.datetime) -> list[int]:
    with session_scope(url) as session:
        return list(session.scalars(
            select(Delivery.id).join(Fact, Fact.id == Delivery.fact_id)
            .where(Delivery.subscriber_id == subscriber_id, _due_clause(now))
            .order_by(Fact.first_seen_at, Delivery.id)
        ))


DIED_WHILE_SENDING = f"alerts: the run sending this stopped before recording the outcome ({MAY_HAVE_ARRIVED})"


def _claim(url: str, ids: Sequence[int], now: dt.datetime) -> tuple[str, list[int]]:
    """Take ``ids`` that are still due for this run alone; returns the token and the ids actually taken.

    A due row that still holds a claim was claimed by a run that died before recording the outcome, maybe
    mid-send: its ``last_error`` says so, and the message that sends it again says it may repeat one.
    """
    token = uuid.uuid4().hex
    with session_scope(url) as session:
        session.execute(
            update(Delivery).where(Delivery.id.in_(list(ids)), _due_clause(now), Delivery.batch.is_not(None))
            .values(last_error=DIED_WHILE_SENDING).execution_options(synchronize_session=False))
        session.execute(
            update(Delivery).where(Delivery.id.in_(list(ids)), _due_clause(now))
            .values(batch=token, next_attempt_at=now + LEASE).execution_options(synchronize_session=False))
    with session_scope(url) as session:
        taken = set(session.scalars(select(Delivery.id).where(Delivery.batch == token)))
    return token, [i for i in ids if i in taken]


def _mark_sent(url: str, token: str, ids: Sequence[int], mode: str, now: dt.datetime) -> int:
    with session_scope(url) as session:
        return session.execute(
            update(Delivery).where(Delivery.id.in_(list(ids)), Delivery.batch == token, Delivery.status == "pending")
            .values(status="sent", mode=mode, sent_at=now, next_attempt_at=None, last_error=None)
            .execution_options(synchronize_session=False)).rowcount


def _mark_failure(url: str, token: str, ids: Sequence[int], error: DeliveryError, now: dt.datetime,
                  summary: SendSummary) -> None:
    message = bounded(error)
    with session_scope(url) as session:
        rows = session.scalars(select(Delivery).where(Delivery.id.in_(list(ids)), Delivery.batch == token,
                                                      Delivery.status == "pending"))
        for row in rows:
            row.attempts = (row.attempts or 0) + 1
            row.last_error = message
            row.batch = None
            if error.transient and row.attempts < MAX_ATTEMPTS:
                wait = dt.timedelta(seconds=error.retry_after) if error.retry_after else backoff(row.attempts)
                row.next_attempt_at = now + wait
                summary.retried += 1
            else:
                if error.transient:
                    row.last_error = f"gave up after {row.attempts} attempts: {message}"
                row.status = "failed"
                row.next_attempt_at = None
                summary.failed += 1
    summary.errors.append(message)


def _deliver(settings: AlertSettings, target: _Target, ids: Sequence[int], mode: str, now: dt.datetime,
             channels: _Channels, summary: SendSummary) -> None:
    """Claim ``ids``, send them as one message (an instant alert, a roll-up or a digest), record the outcome."""
    url = settings.database_url
    token, claimed = _claim(url, ids, now)
    if not claimed:
        return
    with session_scope(url) as session:
        deliveries = list(session.scalars(select(Delivery).where(Delivery.id.in_(claimed))))
        deliveries.sort(key=lambda d: claimed.index(d.id))
        items = render.items_for(session, deliveries)
        repeat = any(MAY_HAVE_ARRIVED in (d.last_error or "") for d in deliveries)
        top = _top_of_day(session, target.id, now, {d.fact_id for d in deliveries}) if mode == "digest" else []
    full = None
    if mode == "instant":
        items = render.grouped(items)
        full = settings.max_instant_alerts
    kind = {"instant": "alert", "rollup": "rollup", "digest": "digest"}[mode]
    envelope = render.Envelope(subscriber=target.name, mail_from=settings.mail_from, to=target.email, repeat=repeat)
    day = now.date() if mode == "digest" else None
    channel = channels.get(target.channel_key)
    pending = list(claimed)
    try:
        if isinstance(channel, EmailChannel):
            key = f"digest.{target.id}.{day}" if mode == "digest" else f"{mode}.{claimed[0]}.{len(claimed)}"
            channel.send(render.render_email(kind, items, envelope, now, top=top, day=day, key=key, full=full))
            summary.messages += 1
            _sent_in_full(url, token, items, full, mode, now, summary)
            pending = []
        elif full is not None:
            channel.send(render.render_slack_one(items, envelope, full).payload)
            summary.messages += 1
            _sent_in_full(url, token, items, full, mode, now, summary)
            pending = []
        else:
            for post in render.render_slack(kind, items, envelope, top=top, day=day):
                channel.send(post.payload)
                summary.messages += 1
                _sent(url, token, post.delivery_ids, mode, now, summary)
                pending = [i for i in pending if i not in post.delivery_ids]
    except DeliveryError as error:
        if error.channel_down:
            channels.down.add(target.channel_key)
        log.warning("alerts: %d deliveries to subscriber '%s' not sent: %s", len(pending), target.name, error)
        _mark_failure(url, token, pending, error, now, summary)


def _sent_in_full(url: str, token: str, items: Sequence[render.Item], full: int | None, mode: str, now: dt.datetime,
                  summary: SendSummary) -> None:
    """Record one accepted message: the items it showed in full as ``mode``, the ones listed briefly as roll-up."""
    ids = [i.delivery_id for i in items if i.delivery_id is not None]
    cut = len(ids) if full is None else full
    _sent(url, token, ids[:cut], mode, now, summary, also=[(ids[cut:], "rollup")])
    _sent(url, token, ids[cut:], "rollup", now, summary)


SENT_PATIENCE = 60.0  # seconds the 'sent' commit keeps waiting for a busy store: giving up means a duplicate later


def _sent(url: str, token: str, ids: Sequence[int], mode: str, now: dt.datetime, summary: SendSummary,
          also: Sequence[tuple[Sequence[int], str]] = ()) -> None:
    """Record what the server accepted; a busy store is waited for (a lost commit would send it again).

    If the store cannot take it, these ids and the ``also`` parts of the same message are journalled."""
    if not ids:
        return
    give_up = time.monotonic() + SENT_PATIENCE
    while True:
        try:
            done = _mark_sent(url, token, ids, mode, now)
            break
        except StoreBusy:
            if time.monotonic() <= give_up:
                time.sleep(0.5)
                continue
            _journal(url, token, [(ids, mode), *also], now)
            raise
        except StoreError:
            _journal(url, token, [(ids, mode), *also], now)
            raise
    summary.sent += done
    if mode == "rollup":
        summary.rolled_up += done


def _journal(url: str, token: str, parts: Sequence[tuple[Sequence[int], str]], now: dt.datetime) -> None:
    """Accepted but not recorded: the next run records it from the journal and never resends it."""
    for ids, mode in parts:
        if ids:
            sent_journal.record(url, token, ids, mode, now)


def _top_of_day(session: Session, subscriber_id: int, now: dt.datetime, exclude: set[int]) -> list[render.Item]:
    """The facts most outlets carried in the last day that pass the subscriber's filters."""
    sub = session.get(Subscriber, subscriber_id)
    facts = session.scalars(
        select(Fact).where(Fact.last_seen_at >= now - dt.timedelta(days=1), Fact.last_seen_at <= now,
                           Fact.source_count >= 2)
        .order_by(Fact.source_count.desc(), Fact.id).limit(200))
    chosen = [f for f in facts if f.id not in exclude and matches(f, sub)][:DIGEST_TOP]
    return render.items_for_facts(session, chosen)
