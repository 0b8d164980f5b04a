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
3. **plan_pages** lists the entries whose page is still to fetch (one per canonical URL) in batches of
   `PLANWATCH_PAGE_BATCH_SIZE` entry ids.
4. **process** (one mapped task per batch, spread over the workers) fetches the batch's pages, extracts
   their text, detects plan and technology mentions and figures, stores them (one transaction per
   article), and updates facts (new, revised, corroborated).
5. **finish** links other feeds' entries to the pages just stored, logs the totals and updates the
   Asset `planwatch://facts`, which starts **planwatch_alerts** once per run.

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

    @task(trigger_rule="none_failed")
    def plan_pages() -> list[list[int]]:
        from planwatch import stages

        return stages.plan_pages()

    @task
    def process(entry_ids: list[int]) -> dict:
        from planwatch import stages

        return stages.process_batch(entry_ids)

    @task(outlets=[FACTS], trigger_rule="none_failed")
    def finish(summaries: list[dict]) -> dict:
        from planwatch import stages

        return stages.finish_process(list(summaries))

    polled = poll.expand(feed_ids=plan_batches())
    pages = plan_pages()
    polled >> pages
    finish(process.expand(entry_ids=pages))

planwatch_ingest()
