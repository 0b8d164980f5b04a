"""Telling operators that a planwatch DAG run failed — once per run, not once per task or retry.

``on_failure`` is a task-level ``on_failure_callback``: Airflow calls it when a task fails for
good (after its retries). It records (dag_id, run_id) in ``operator_notices`` with INSERT ..
ON CONFLICT DO NOTHING and sends only when it added the row, so a second failing task of the
same run says nothing. If no channel took the notice, the row is removed again so that a later
failure of the run can still tell the operators.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import logging
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Mapping, Protocol

from sqlalchemy import delete

from alerts.channels import EmailChannel, SlackChannel
from alerts.errors import DeliveryError
from alerts.escape import mrkdwn, one_line
from alerts.render import SEND_POLICY
from store.db import session_scope
from store.models import OperatorNotice, utcnow
from store.upsert import insert_ignore



class OperatorSettings(Protocol):
    """The values alerts needs to tell operators (planwatch's Settings has them)."""

    database_url: str
    smtp_conn_id: str
    mail_from: str
    operator_email: str | None
    operator_slack_connection: str | None

log = logging.getLogger(__name__)


def on_failure(context: Mapping[str, Any], settings: OperatorSettings) -> None:
    """Task-level on_failure_callback: notify operators of the failed DAG run (never raises)."""
    try:
        dag_id, run_id, detail = _describe(context)
        notify_failure(settings, dag_id, run_id, detail)
    except Exception:  # a callback that raises only adds noise to the task log
        log.exception("alerts: could not notify operators of the failed run")


def notify_failure(settings: OperatorSettings, dag_id: str, run_id: str, detail: str,
                   now: dt.datetime | None = None, subject: str | None = None) -> bool:
    """Send one notice for (dag_id, run_id) unless one was sent; returns whether this call sent it."""
    if not settings.operator_email and not settings.operator_slack_connection:
        log.warning("alerts: run %s of %s failed; no operator channel is set (PLANWATCH_OPERATOR_EMAIL, "
                    "PLANWATCH_OPERATOR_SLACK_CONNECTION)", run_id, dag_id)
        return False
    now = now or utcnow()
    with session_scope(settings.database_url) as session:
        added = insert_ignore(session, OperatorNotice, [dict(dag_id=dag_id, run_id=run_id, created_at=now)],
                              ["dag_id", "run_id"])
    if not added:
        return False
    subject = one_line(subject or f"planwatch: DAG run failed: {dag_id} ({run_id})")[:200]
    told, errors = False, []
    if settings.operator_email:
        channel = EmailChannel(settings.smtp_conn_id, settings.mail_from)
        try:
            channel.send(_email(settings, subject, detail, now))
            told = True
        except DeliveryError as exc:
            errors.append(str(exc))
        finally:
            channel.close()
    if settings.operator_slack_connection:
        try:
            SlackChannel(settings.operator_slack_connection).send(_slack(subject, detail))
            told = True
        except DeliveryError as exc:
            errors.append(str(exc))
    if not told:
        with session_scope(settings.database_url) as session:
            session.execute(delete(OperatorNotice).where(OperatorNotice.dag_id == dag_id,
                                                         OperatorNotice.run_id == run_id))
        raise DeliveryError("operators", "; ".join(errors), transient=True)
    for error in errors:
        log.warning("alerts: operator notice partly failed: %s", error)
    return True


def notify_quarantine(settings: OperatorSettings, entries: list[tuple[int, str]]) -> bool:
    """Tell operators, once, which entries (id, "link: error") were quarantined; never raises."""
    if not entries:
        return False
    ids = ",".join(str(i) for i, _ in entries)
    detail = "\n".join(f"Entry {i}: {line}" for i, line in entries)
    try:
        return notify_failure(settings, "planwatch_quarantine", f"entries {ids}"[:250],
                              f"These pages broke a stage and are quarantined (not retried):\n{detail}",
                              subject=f"planwatch: {len(entries)} page(s) quarantined")
    except Exception as exc:
        log.warning("alerts: could not tell operators of quarantined pages: %s", exc)
        return False


def _describe(context: Mapping[str, Any]) -> tuple[str, str, str]:
    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    dag_run = context.get("dag_run")
    dag_id = getattr(dag, "dag_id", None) or getattr(ti, "dag_id", None) or "unknown"
    run_id = context.get("run_id") or getattr(dag_run, "run_id", None) or getattr(ti, "run_id", None) or "unknown"
    lines = [f"DAG:   {dag_id}", f"Run:   {run_id}"]
    task_id = getattr(ti, "task_id", None)
    if task_id:
        lines.append(f"Task:  {task_id} (try {getattr(ti, 'try_number', '?')})")
    exception = context.get("exception")
    if exception is not None:
        lines.append(f"Error: {type(exception).__name__}: {exception}")
    log_url = getattr(ti, "log_url", None)
    if log_url:
        lines.append(f"Log:   {log_url}")
    return str(dag_id), str(run_id), "\n".join(lines)


def _email(settings: OperatorSettings, subject: str, detail: str, now: dt.datetime) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = one_line(settings.mail_from)
    msg["To"] = one_line(settings.operator_email)
    msg["Date"] = format_datetime(now.astimezone(dt.timezone.utc))
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(f"{subject}\n\n{detail}\n\nSee the Airflow UI for the task log.\n")
    msg.policy = SEND_POLICY
    return msg


def _slack(subject: str, detail: str) -> dict:
    return {
        "text": mrkdwn(subject),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{mrkdwn(subject)}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "```" + mrkdwn(detail)[:2900] + "```"}},
        ],
    }
