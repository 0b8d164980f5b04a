"""`planwatch run`: one ingest pass and one alerts pass in this process, with progress and a summary.

``totals["fatal"]`` says why the run could not do its job (every polled feed failed); a store or
config fault stops the run earlier with a PlanwatchError.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from extract.errors import PollFailed
from extract.urls import redact
from planwatch import stages
from planwatch.settings import Settings


def run_once(cfg: Settings, *, progress: bool = True, console: Console | None = None) -> dict:
    console = console or Console(stderr=True)
    totals = {"feeds_polled": 0, "unchanged": 0, "new_entries": 0, "new_articles": 0, "copies": 0,
              "new_facts": 0, "revisions": 0, "alerts_sent": 0, "alerts_failed": 0, "errors": 0, "errors_polling": 0}
    problems: list[str] = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, disable=not progress, transient=False) as bar:
        task = bar.add_task("sync config", total=1)
        batches = stages.prepare(cfg)
        bar.update(task, completed=1)
        n_feeds = sum(len(b) for b in batches)
        task = bar.add_task("poll feeds", total=n_feeds)
        for batch in batches:
            try:
                s = stages.poll_batch(batch, cfg)
            except PollFailed as exc:  # every feed's state is recorded; go on with what did arrive
                totals["fatal"] = str(exc)
                totals["errors"] += len(batch)
                totals["errors_polling"] += len(batch)
                problems.append(str(exc))
                bar.update(task, advance=len(batch))
                continue
            totals["feeds_polled"] += s["polled"]
            totals["unchanged"] += s["unchanged"]
            totals["new_entries"] += s["new_entries"]
            totals["errors"] += s["errors"]
            totals["errors_polling"] += s["errors"]
            problems += s["problems"]
            bar.update(task, advance=len(batch))
        task = bar.add_task("fetch + detect articles", total=1)
        s = stages.process_entries(cfg)
        for key in ("new_articles", "copies", "new_facts", "revisions"):
            totals[key] += s[key]
        totals["errors"] += s["errors"]
        totals["deferred"] = s.get("deferred", 0)
        problems += s["problems"]
        if totals["deferred"]:
            problems.append(f"{totals['deferred']} pages deferred to the next run: a fetch time budget was spent "
                            "(PLANWATCH_HOST_FETCH_BUDGET / PLANWATCH_RUN_FETCH_BUDGET)")
        bar.update(task, completed=1)
        task = bar.add_task("alerts", total=1)
        a = stages.alerts_pass(cfg)
        totals["alerts_sent"] += a.get("sent", 0)
        totals["alerts_failed"] += a.get("failed", 0)
        totals["alerts_retried"] = a.get("retried", 0)
        problems += [f"alerts: {e}" for e in dict.fromkeys(a.get("errors", []))]
        bar.update(task, completed=1)
    console.print(
        f"[bold]planwatch run[/]: {totals['feeds_polled']} feeds polled ({totals['unchanged']} unchanged), "
        f"{totals['new_entries']} new entries, {totals['new_articles']} new articles "
        f"({totals['copies']} syndicated copies), {totals['new_facts']} new facts, {totals['revisions']} revisions, "
        f"{totals['alerts_sent']} alerts sent, {totals['alerts_failed']} alerts failed, "
        f"{totals.get('alerts_retried', 0)} alerts to retry, {totals['errors']} errors"
    )
    for p in problems[:50]:
        console.print(f"  [yellow]![/] {escape(redact(p))}", markup=True, highlight=False)
    totals["problems"] = problems
    if n_feeds and totals["errors_polling"] == n_feeds:
        totals["fatal"] = f"every one of the {n_feeds} feeds polled failed"
        console.print(f"[bold red]planwatch run failed[/]: {totals['fatal']}")
    return totals
