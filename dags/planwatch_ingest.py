"""planwatch_ingest: poll feeds, fetch and read new articles, detect figures, store facts."""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, task

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
    params={
        "force": Param(False, type="boolean", title="Poll every feed now",
                       description="Poll every enabled feed now, whatever its schedule or backoff."),
        "feeds": Param([], type="array", items={"type": "string"}, title="Feeds to poll now",
                       description="Names from config/feeds.yaml to poll now (their backoff is cleared)."),
    },
    doc_md="""
### planwatch_ingest — every 30 minutes

1. **plan_batches** migrates the planwatch store, syncs `config/feeds.yaml` into it and splits the feeds
   that are due (per-feed interval, backoff, dormant feeds at most weekly) into batches of ids. When none
   is due its log says why and when the next feed is due. Trigger with **force** (every feed now) or
   **feeds** (names) to poll regardless of schedule and backoff.
2. **poll** (one mapped task per batch) polls the batch concurrently with conditional GET; its log ends
   with *polled / unchanged / new entries / errors* and names every failing feed. When every feed of the
   batch fails, or more than `PLANWATCH_POLL_FAILURE_PERCENT` (50%), the task fails (no retry) after
   recording every feed, and operators are told once, with the failing feeds named.
3. **plan_pages** lists the entries whose page is still to fetch (one per canonical URL) in batches of
   `PLANWATCH_PAGE_BATCH_SIZE` entry ids.
4. **process** (one mapped task per batch, spread over the workers) fetches the batch's pages, extracts
   their text, detects plan and technology mentions and figures, stores them (one transaction per
   article), and updates facts (new, revised, corroborated). A page that breaks a stage is quarantined.
5. **finish** links other feeds' entries to the pages just stored, logs the totals and updates the
   Asset `planwatch://facts` with the counts in its `extra`; **planwatch_alerts** runs on it once per run.

A config error fails the task at once, its message first in the log. Every task is idempotent: a retry
adds no rows. Feed health, facts and deliveries: the **planwatch** entry of the navigation (and the
planwatch tab of this DAG), or `planwatch feeds` / `planwatch facts`.
""",
)
def planwatch_ingest():
    @task
    def plan_batches(params=None) -> list[list[int]]:
        from planwatch import stages
        from planwatch.task_failures import run_task

        params = params or {}
        return run_task(stages.prepare, force=bool(params.get("force")), feeds=params.get("feeds") or None)

    @task(max_active_tis_per_dagrun=2)
    def poll(feed_ids: list[int]) -> dict:
        from planwatch import stages
        from planwatch.task_failures import run_task

        return run_task(stages.poll_batch, feed_ids)

    @task(trigger_rule="none_failed")
    def plan_pages() -> list[list[int]]:
        from planwatch import stages
        from planwatch.task_failures import run_task

        return run_task(stages.plan_pages)

    @task
    def process(entry_ids: list[int]) -> dict:
        from planwatch import stages
        from planwatch.task_failures import run_task

        return run_task(stages.process_batch, entry_ids)

    @task(outlets=[FACTS], trigger_rule="none_failed")
    def finish(summaries: list[dict], outlet_events=None) -> dict:
        from planwatch import stages
        from planwatch.task_failures import run_task

        summary = run_task(stages.finish_process, list(summaries))
        outlet_events[FACTS].extra = stages.asset_extra(summary)
        return summary

    polled = poll.expand(feed_ids=plan_batches())
    pages = plan_pages()
    polled >> pages
    finish(process.expand(entry_ids=pages))


planwatch_ingest()
