"""planwatch_ingest: poll feeds, fetch and read new articles, detect figures, store facts."""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

FACTS = Asset("planwatch://facts")


def _tell_operators(context) -> None:
    from planwatch import stages

    stages.tell_operators(context)


@dag(
    dag_id="planwatch_ingest",
    schedule="*/30 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["planwatch"],
    default_args={"retries": 2, "retry_delay": pendulum.duration(minutes=2), "on_failure_callback": _tell_operators},
    doc_md="""
### planwatch_ingest — every 30 minutes

1. **plan_batches** migrates the planwatch store, syncs `config/feeds.yaml` into it and splits the feeds
   that are due (per-feed interval, backoff, dormant feeds at most weekly) into batches of ids.
2. **poll** (one mapped task per batch) polls the batch concurrently with conditional GET; its log ends
   with *polled / unchanged / new entries / errors* and names every failing feed.
3. **process** fetches the pages of new entries, extracts their text, detects plan and technology
   mentions and figures, stores them, and updates facts (new, revised, corroborated). It updates the
   Asset `planwatch://facts`, which starts **planwatch_alerts**.

Every task is idempotent: a retry adds no rows. Feed health: `planwatch feeds`; facts: `planwatch facts`.
""",
)
def planwatch_ingest():
    @task
    def plan_batches() -> list[list[int]]:
        from planwatch import stages

        return stages.prepare()

    @task(max_active_tis_per_dagrun=2)
    def poll(feed_ids: list[int]) -> dict:
        from planwatch import stages

        return stages.poll_batch(feed_ids)

    @task(outlets=[FACTS], trigger_rule="none_failed")
    def process() -> dict:
        from planwatch import stages

        return stages.process_entries()

    polled = poll.expand(feed_ids=plan_batches())
    polled >> process()


planwatch_ingest()
