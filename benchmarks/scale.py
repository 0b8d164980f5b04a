"""Does ingest spread over Celery workers? The same pages through planwatch_ingest with 1 and with 2 workers.

    uv run python benchmarks/scale.py [--pages 2000] [--batch 200] [--skip-run] [--redis-url URL] [--prefix NAME]

PAGES real-size pages (benchmarks/pages.py: ../shared/realpages and ../shared/eval, repeated) are served
on loopback as RSS feeds. Each configuration gets a fresh LocalCluster (`planwatch serve --cluster`:
PostgreSQL databases PREFIX_* (default planwatch_cluster_bench_*), dropped afterwards; the Redis database
of --redis-url (default 8), emptied) with one worker of concurrency 1, then two workers of concurrency 1;
the feeds are served without items until the cluster is up (every worker answers a ping) and the run
the DAG's schedule starts at boot has finished on them, then planwatch_ingest is triggered once (force:
every feed polled now) and timed from Airflow's own dag_run start and end: the cluster's start-up is not
the ingest's.
Printed beside them: the bound (extract_article, i.e. trafilatura, alone on the same pages in one and in
two processes) and the single-process `planwatch run` on the same pages (SQLite store).

Targets (2-core machine): two workers >= 1.6 x the pages/s of one; the ingest run with two workers
<= 1.5 x the time of the two-process extraction bound.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages as bench_pages  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/8"
PG = "postgresql+psycopg2://postgres@127.0.0.1:5432"
PREFIX = "planwatch_cluster_bench"


def through_cluster(bodies: list[bytes], workers: int, batch: int, folder: Path, redis_url: str = REDIS_URL,
                    prefix: str = PREFIX) -> dict:
    """Seconds of one planwatch_ingest run over these pages with ``workers`` workers of concurrency 1."""
    import sqlalchemy as sa

    from planwatch.cluster import LocalCluster
    from planwatch.standins import HTTPServer
    from store import session_scope
    from store.models import Article

    server = HTTPServer().start()
    try:
        env = dict(os.environ)
        env.update(bench_pages.config_env(folder / f"config-{workers}", bench_pages.serve(server, bodies), len(bodies)))
        env["PLANWATCH_PAGE_BATCH_SIZE"] = str(batch)
        serve_feeds = _held_feeds(server)
        with LocalCluster(env, folder / f"home-{workers}", redis_url=redis_url, workers=workers, concurrency=1,
                          pg_server=PG, prefix=prefix) as cluster:
            cluster.wait_parsed("planwatch_ingest", timeout=600)
            cluster.wait_workers(workers, timeout=600)
            cluster.wait_settled("planwatch_ingest", timeout=600)  # the run its schedule started at boot
            serve_feeds()
            cluster.trigger("planwatch_ingest", conf={"force": True})
            cluster.wait_settled("planwatch_ingest", timeout=3600)
            triggered = cluster.runs("planwatch_ingest")[-1]  # runs oldest first: the one triggered above
            measured = triggered if triggered[1] == "success" else None
            run_id = triggered[0]
            span = cluster.query(
                "SELECT count(*), min(start_date), max(end_date), count(DISTINCT hostname) FROM task_instance"
                " WHERE dag_id = 'planwatch_ingest' AND run_id = :r AND task_id = 'process' AND map_index >= 0",
                r=run_id)[0]
            phases = cluster.query(
                "SELECT task_id, count(*), min(start_date), max(end_date), sum(EXTRACT(EPOCH FROM end_date - start_date)),"
                " min(queued_dttm), string_agg(DISTINCT hostname, ',') FROM task_instance"
                " WHERE dag_id = 'planwatch_ingest' AND run_id = :r GROUP BY task_id ORDER BY min(start_date)", r=run_id)
            mapped = cluster.query(
                "SELECT hostname, queued_dttm, start_date, end_date FROM task_instance WHERE dag_id = 'planwatch_ingest'"
                " AND run_id = :r AND task_id = 'process' AND map_index >= 0 ORDER BY hostname, start_date", r=run_id)
            with session_scope(cluster.store_url) as s:
                stored = s.scalar(sa.select(sa.func.count()).select_from(Article))
    finally:
        server.stop()
    if measured is None:
        raise SystemExit(f"scale: the triggered planwatch_ingest run with {workers} workers ended {triggered[1]}")
    return {"seconds": (measured[3] - measured[2]).total_seconds(), "stored": stored, "tasks": span[0],
            "process_seconds": (span[2] - span[1]).total_seconds(), "hosts": span[3],
            "phases": [_phase(row, measured[2]) for row in phases] + _timeline(mapped, measured[2])}


def _held_feeds(server) -> Callable[[], None]:
    """Serve every feed without items until the returned function puts the real ones back."""
    from planwatch.standins import Reply

    real = {path: reply for path, reply in server.routes.items() if path.startswith("/feed/")}
    empty = Reply(200, '<?xml version="1.0"?><rss version="2.0"><channel><title>held</title></channel></rss>',
                  {"Content-Type": "application/rss+xml"})
    server.routes.update(dict.fromkeys(real, empty))
    return lambda: server.routes.update(real)


def _after(t, run_start, width: int = 0) -> str:
    """Seconds from the run's start to ``t``, or '-'."""
    return f"{(t - run_start).total_seconds():{width}.1f}" if t else "-".rjust(width)


def _timeline(mapped, run_start) -> list[str]:
    """Per worker, each mapped process task as queued>start-end, in seconds after the run's start."""
    hosts: dict[str, list[str]] = {}
    for host, queued, start, end in mapped:
        hosts.setdefault(host, []).append(
            f"{_after(queued, run_start)}>{_after(start, run_start)}-{_after(end, run_start)}")
    return [f"    process on {host}: {' '.join(spans)}" for host, spans in hosts.items()]


def _phase(row, run_start) -> str:
    """One task's line in the run: instances, hosts, when it was first queued and started and last ended (s after
    the run's start), busy s."""
    task_id, tries, start, end, busy, queued, hosts = row
    return (f"    {task_id:<13} x{tries:<3} queued {_after(queued, run_start, 6)}  start {_after(start, run_start, 6)}"
            f"  end {_after(end, run_start, 6)}  busy {busy or 0:6.1f} s  on {hosts}")


def single_process(bodies: list[bytes], folder: Path) -> float:
    from planwatch import settings
    from planwatch.runner import run_once
    from planwatch.standins import HTTPServer

    server = HTTPServer().start()
    try:
        env = bench_pages.config_env(folder / "config-run", bench_pages.serve(server, bodies), len(bodies))
        env.update({"PLANWATCH_HOME": str(folder / "run"), "PLANWATCH_DATABASE_URL": f"sqlite:///{folder / 'run.db'}"})
        t0 = time.perf_counter()
        run_once(settings.load({**os.environ, **env}), progress=False)
        return time.perf_counter() - t0
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200, help="PLANWATCH_PAGE_BATCH_SIZE: pages per mapped task")
    parser.add_argument("--skip-run", action="store_true", help="leave out the single-process planwatch run")
    parser.add_argument("--redis-url", default=REDIS_URL, help="the broker: a Redis database this run may empty")
    parser.add_argument("--prefix", default=PREFIX, help="name prefix of the PostgreSQL databases made and dropped")
    args = parser.parse_args()
    bodies = bench_pages.pages(args.pages)
    n = len(bodies)
    print(f"scale benchmark: {n} pages, {args.batch} per mapped task; timings on a loaded machine are indicative only",
          flush=True)
    bound1, bound2 = bench_pages.extraction_seconds(bodies, 1), bench_pages.extraction_seconds(bodies, 2)
    print(f"bound: trafilatura alone, 1 process {bound1:.1f} s ({n / bound1:.1f} pages/s), "
          f"2 processes {bound2:.1f} s ({n / bound2:.1f} pages/s)", flush=True)
    with tempfile.TemporaryDirectory(prefix="planwatch-bench-scale-") as tmp:
        folder = Path(tmp)
        results = {}
        for workers in (1, 2):
            r = results[workers] = through_cluster(bodies, workers, args.batch, folder, args.redis_url, args.prefix)
            print(f"ingest DAG, CeleryExecutor, {workers} worker(s) x concurrency 1: run {r['seconds']:.1f} s "
                  f"({n / r['seconds']:.1f} pages/s; {r['stored']} articles; {r['tasks']} process tasks on "
                  f"{r['hosts']} worker(s), first start to last end {r['process_seconds']:.1f} s)", flush=True)
            print("\n".join(r["phases"]), flush=True)
        one, two = results[1]["seconds"], results[2]["seconds"]
        print(f"two workers / one worker: {one / two:.2f}x the pages/s (target >= 1.6x)")
        print(f"ingest with two workers / two-process bound: {two / bound2:.2f}x the time (target <= 1.5x)")
        if not args.skip_run:
            seconds = single_process(bodies, folder)
            print(f"single-process planwatch run (SQLite): {seconds:.1f} s ({n / seconds:.1f} pages/s; "
                  f"{seconds / bound1:.2f}x the one-process bound)")


if __name__ == "__main__":
    main()
