"""Does the store keep up with extraction, and stay flat as it grows?

    uv run python benchmarks/store.py [--pages 1000] [--stored 100000] [--measure 200] [--database-url URL]

1. Pipeline: `planwatch run` (poll, fetch on loopback, extract, detect, store, alerts) over PAGES real-size
   pages (benchmarks/pages.py) into a fresh store, pages per second beside extract_article (trafilatura)
   alone on the same pages in this process. Target: pipeline >= 0.8 x extraction alone.
2. Growth: MEASURE distinct real pages processed as the process stage does (extract, detect, fingerprint,
   copy lookup, save_story, one transaction per article) into an empty store, then into a store that
   already holds STORED articles (synthetic rows, fetched this week so every one is a copy candidate,
   with one fact each). Per-article time (all of it, and the store part alone) and the copy lookup's
   rows read. Target: per-article time at STORED within 10 % of the empty store.

The store is SQLite in a temporary folder unless --database-url names a PostgreSQL server database
(created and dropped: postgresql+psycopg2://postgres@127.0.0.1:5432 gets planwatch_bench_store_<hex>).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages as bench_pages  # noqa: E402

UNITS = ("CNY", "USD", "percent", "count")


def fresh_store(server_url: str | None, folder: Path, label: str) -> tuple[str, callable]:
    """A new empty store URL and a function that removes it."""
    from store.db import dispose_all

    if not server_url:
        path = folder / f"{label}-{uuid.uuid4().hex[:8]}.db"

        def remove():
            dispose_all()
            path.unlink(missing_ok=True)

        return f"sqlite:///{path}", remove
    import sqlalchemy as sa

    name = f"planwatch_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{server_url.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        dispose_all()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{server_url.rstrip('/')}/{name}", drop


def pipeline(n_pages: int, server_url: str | None, folder: Path) -> tuple[float, float, int]:
    """(pipeline seconds, extraction-alone seconds, articles stored) for `planwatch run` over n_pages."""
    from planwatch import settings
    from planwatch.runner import run_once
    from planwatch.standins import HTTPServer

    bodies = bench_pages.pages(n_pages)
    url, drop = fresh_store(server_url, folder, "pipeline")
    server = HTTPServer().start()
    try:
        env = bench_pages.config_env(folder / "config", bench_pages.serve(server, bodies), n_pages)
        env.update({"PLANWATCH_HOME": str(folder), "PLANWATCH_DATABASE_URL": url})
        cfg = settings.load({**os.environ, **env})
        t0 = time.perf_counter()
        totals = run_once(cfg, progress=False)
        seconds = time.perf_counter() - t0
    finally:
        server.stop()
        drop()
    return seconds, bench_pages.extraction_seconds(bodies, 1), totals["new_articles"]


def seed(url: str, n: int) -> None:
    """n synthetic articles fetched this week, each with a random fingerprint and one fact."""
    from sqlalchemy import insert

    from extract.dedup import bands, to_signed
    from store import migrate, session_scope
    from store.facts import value_key
    from store.models import Article, Fact, FactSource

    migrate(url)
    rng = random.Random(1)
    now = dt.datetime.now(dt.timezone.utc)
    chunk = 5000
    for start in range(0, n, chunk):
        rows, facts = [], []
        for i in range(start, min(start + chunk, n)):
            fp = to_signed(rng.getrandbits(64))
            rows.append(dict(id=i + 1, canonical_url=f"https://seed.example/{i}", url=f"https://seed.example/{i}",
                             host="seed.example", title=f"Seeded story {i}", text="seeded text " * 40,
                             status="ok", plans=["15th"], technologies=["ai"], language="en", fingerprint=fp,
                             fetched_at=now - dt.timedelta(seconds=rng.randrange(6 * 86400)),
                             **{f"band{b}": key for b, key in enumerate(bands(fp))}))
            value = float(rng.randrange(1, 10**6)) * 10 ** rng.randrange(0, 9)
            facts.append(dict(id=i + 1, subject=f"seeded subject {i % 997}", subject_key=f"seeded subject{i % 997}",
                              unit=rng.choice(UNITS), value=value, value_key=value_key(value),
                              year=rng.choice((None, 2025, 2027, 2030)), first_article_id=i + 1, source_count=1,
                              technologies=["ai"], plans=["15th"], first_seen_at=now, last_seen_at=now))
        with session_scope(url) as s:
            s.execute(insert(Article), rows)
            s.execute(insert(Fact), facts)
            s.execute(insert(FactSource), [dict(fact_id=f["id"], article_id=f["id"], host="seed.example",
                                                seen_at=now) for f in facts])
    if url.startswith("postgresql"):
        import sqlalchemy as sa

        from store import engine_for

        with engine_for(url).connect() as conn:
            conn.execute(sa.text("SELECT setval('articles_id_seq', :n)"), {"n": n})
            conn.execute(sa.text("SELECT setval('facts_id_seq', :n)"), {"n": n})
            conn.execute(sa.text("SELECT setval('fact_sources_id_seq', :n)"), {"n": n})
            conn.commit()
        with engine_for(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        from store import engine_for

        with engine_for(url).connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def per_article(url: str, bodies: list[bytes]) -> dict:
    """Process each page as process_batch does (without the fetch); median ms per article and copy-lookup rows."""
    import sqlalchemy as sa

    from extract.article import extract_article
    from extract.dedup import bands, fingerprint, is_near_duplicate, probes
    from extract.detect import detect
    from extract.taxonomy import default_taxonomy
    from store import migrate, session_scope
    from store.articles import save_story
    from store.models import Article

    migrate(url)
    tax = default_taxonomy()
    run = uuid.uuid4().hex[:6]
    total, stored, rows_read = [], [], []
    for i, body in enumerate(bodies):
        t0 = time.perf_counter()
        article = extract_article(body, f"https://measure.example/{run}/{i}.html")
        detection, fp = None, None
        if article.status == "ok":
            detection = detect(article.text, title=article.title, published=article.date, taxonomy=tax)
            fp = fingerprint(article.text)
        t1 = time.perf_counter()
        with session_scope(url) as session:
            save_story(session, article, detection, fingerprint=fp, bands=bands(fp) if fp is not None else (),
                       probes=probes(fp) if fp is not None else (), same=is_near_duplicate)
        t2 = time.perf_counter()
        total.append(t2 - t0)
        stored.append(t2 - t1)
        if fp is not None:
            with session_scope(url) as session:
                conds = [getattr(Article, f"band{b}").in_(keys) for b, keys in enumerate(probes(fp))]
                rows_read.append(session.scalar(sa.select(sa.func.count()).select_from(Article).where(sa.or_(*conds))))
    return {"total_ms": statistics.median(total) * 1e3, "store_ms": statistics.median(stored) * 1e3,
            "rows": statistics.median(rows_read) if rows_read else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--measure", type=int, default=200)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server, e.g. postgresql+psycopg2://postgres@127.0.0.1:5432 (default SQLite)")
    args = parser.parse_args()
    os.environ.setdefault("PLANWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"store benchmark on {backend}; timings on a loaded machine are indicative only", flush=True)
    with tempfile.TemporaryDirectory(prefix="planwatch-bench-store-") as tmp:
        folder = Path(tmp)
        seconds, extraction, stored = pipeline(args.pages, args.database_url, folder)
        pipe_rate, ext_rate = args.pages / seconds, args.pages / extraction
        print(f"pipeline (planwatch run, {args.pages} pages, {stored} articles): {seconds:.1f} s, {pipe_rate:.1f} pages/s")
        print(f"extraction alone (trafilatura, 1 process):   {extraction:.1f} s, {ext_rate:.1f} pages/s")
        print(f"pipeline / extraction: {pipe_rate / ext_rate:.2f}x  (target >= 0.80x)", flush=True)

        distinct = bench_pages.real_pages()[: args.measure]
        results = {}
        for label, n in (("empty", 0), (f"{args.stored:,} stored", args.stored)):
            url, drop = fresh_store(args.database_url, folder, "growth")
            try:
                if n:
                    t0 = time.perf_counter()
                    seed(url, n)
                    print(f"seeded {n:,} articles in {time.perf_counter() - t0:.0f} s", flush=True)
                results[label] = per_article(url, distinct)
            finally:
                drop()
            r = results[label]
            print(f"per article, {label:>16}: {r['total_ms']:.1f} ms median ({r['store_ms']:.2f} ms store); "
                  f"copy lookup reads {r['rows']:.0f} rows (median)", flush=True)
        empty, full = results.values()
        print(f"per-article time at {args.stored:,} / empty: {full['total_ms'] / empty['total_ms']:.3f}x (target <= 1.10x);"
              f" store part alone {full['store_ms'] / empty['store_ms']:.2f}x")


if __name__ == "__main__":
    main()
