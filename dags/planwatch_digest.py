"""planwatch_digest: one message a day per digest-mode subscriber."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


def _tell_operators(context) -> None:
    from planwatch import stages

    stages.tell_operators(context)


@dag(
    dag_id="planwatch_digest",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["planwatch"],
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=5), "on_failure_callback": _tell_operators},
    doc_md="""
### planwatch_digest — daily at 07:00 UTC

**send_digest** sends each subscriber with `mode: digest` one message with the day's new facts and the
most corroborated ones. Sent digests are recorded, so a retry sends nothing twice.
""",
)
def planwatch_digest():
    @task
    def send_digest() -> dict:
        from planwatch import stages
        from planwatch.task_failures import run_task

        return run_task(stages.digest_pass)

    send_digest()


planwatch_digest()
