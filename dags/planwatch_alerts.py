"""planwatch_alerts: tell subscribers about new and revised facts, once each."""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

FACTS = Asset("planwatch://facts")


def _tell_operators(context) -> None:
    from planwatch import stages

    stages.tell_operators(context)


@dag(
    dag_id="planwatch_alerts",
    schedule=[FACTS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["planwatch"],
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=3), "on_failure_callback": _tell_operators},
    doc_md="""
### planwatch_alerts — whenever planwatch_ingest updates `planwatch://facts`

**send** syncs `config/subscribers.yaml`, writes a delivery row per (subscriber, fact) for every new or
revised fact that passes the subscriber's filters, then sends the instant ones by email (Airflow
connection `smtp_default`) or Slack (the subscriber's webhook connection): at most 10 per subscriber per
run, the rest in one roll-up. A delivery recorded as sent is never sent again, also when the task is
retried. Transient failures are retried on the next run; permanent ones are listed on the planwatch →
Deliveries page (op can retry them there) and by `planwatch deliveries`. When the ingest runs that
started this run found nothing new (the counts in the Asset event's `extra`) and no delivery waits for a
retry, **send** ends at once as *skipped*, saying so in its log.
""",
)
def planwatch_alerts():
    @task
    def send(triggering_asset_events=None) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from planwatch import stages
        from planwatch.task_failures import run_task

        extras = [dict(e.extra or {}) for events in (triggering_asset_events or {}).values() for e in events]
        reason = run_task(stages.nothing_to_alert, extras)
        if reason:
            raise AirflowSkipException(f"planwatch: alerts: {reason}")
        return run_task(stages.alerts_pass)

    send()


planwatch_alerts()
