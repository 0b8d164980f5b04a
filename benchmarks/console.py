"""Console pages with 100,000 facts and 1,000 feeds in the store, on SQLite and on PostgreSQL.

Fills a fresh store with synthetic rows (feeds, articles, facts with their sources and figures, technology
mentions, subscribers, deliveries) spread over 90 days, then requests every page and JSON route of the
console in process (FastAPI TestClient; Airflow's auth is replaced by a stub here, since what is measured
is the store and the rendering). Printed: the median and worst of 5 requests per route, in ms.

Target: every page under 200 ms.

    uv run python benchmarks/console.py [--facts 100000] [--feeds 1000] [--backend sqlite|postgresql|both]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from store import migrate  # noqa: E402
from store.db import dispose_all, engine_for  # noqa: E402
from store.models import Article, Delivery, Fact, FactSource, Feed, Figure, Mention, Subscriber  # noqa: E402

PG_ADMIN = os.environ.get("PLANWATCH_BENCH_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
TECHS = ["ai", "robotics", "quantum", "semiconductors", "aerospace", "biomedicine", "6g", "new_energy", "bci",
         "computing"]
ROUTES = ["/facts", "/facts?technology=quantum", "/facts?kind=revised", "/facts?min_sources=3&language=zh-CN",
          "/facts?since={since}&until={until}", "/facts?offset=5000", "/facts/{fact_id}", "/trends",
          "/trends?bucket=week&days=84", "/feeds", "/feeds?sort=entries&desc=true", "/deliveries",
          "/deliveries?status=failed", "/dag/planwatch_ingest", "/api/facts?limit=200", "/api/facts/{fact_id}",
          "/api/feeds", "/api/deliveries", "/api/trends"]


def fill(url: str, n_facts: int, n_feeds: int, seed: int = 15) -> None:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc)
    engine = engine_for(url)
    n_articles = max(n_facts // 5, 1)
    with engine.begin() as conn:
        conn.execute(insert(Feed), [dict(
            id=i + 1, config_url=f"https://site{i % 250}.example/feed{i}.xml", url=f"https://site{i % 250}.example/feed{i}.xml",
            name=f"Feed {i:04d}", language="zh" if i % 4 == 0 else "en", enabled=True, interval_minutes=30,
            failures=rng.choice([0] * 8 + [1, 5]), dormant=i % 97 == 0, entry_count=rng.randint(0, 500),
            last_status="ok", last_polled_at=now, last_success_at=now - dt.timedelta(minutes=rng.randint(0, 600)),
            next_poll_at=now + dt.timedelta(minutes=rng.randint(1, 600)), last_error=None, created_at=now,
        ) for i in range(n_feeds)])
        for start in range(0, n_articles, 5000):
            conn.execute(insert(Article), [dict(
                id=a + 1, canonical_url=f"https://site{a % 250}.example/story/{a}", url=f"https://site{a % 250}.example/story/{a}",
                host=f"site{a % 250}.example", feed_id=a % n_feeds + 1, title=f"Story {a} about the plan", text="",
                language="zh-CN" if a % 4 == 0 else "en", status="ok", plans=["15th"], technologies=[],
                fetched_at=now - dt.timedelta(days=90 * a / n_articles),
            ) for a in range(start, min(start + 5000, n_articles))])
            conn.execute(insert(Mention), [dict(article_id=a + 1, kind="technology", key=TECHS[(a + k) % len(TECHS)],
                                                term="t", count=rng.randint(1, 5))
                                           for a in range(start, min(start + 5000, n_articles)) for k in range(2)])
        for start in range(0, n_facts, 5000):
            rows, sources, figures = [], [], []
            for f in range(start, min(start + 5000, n_facts)):
                article = f // 5 + 1
                techs = rng.sample(TECHS, rng.randint(1, 2))
                value = float(rng.randint(1, 10**6))
                rows.append(dict(
                    id=f + 1, subject=f"subject {f % 3000}", subject_key=f"subject {f % 3000}", unit="CNY", value=value,
                    value_key=f"{value:.6g}", year=rng.choice([None, 2030, 2035]), technologies=techs, plans=["15th"],
                    language="zh-CN" if article % 4 == 1 else "en", phrase=f"{value:g} yuan",
                    sentence=f"The plan puts it at {value:g} yuan.", first_article_id=article,
                    source_count=1 + (f % 7 == 0) * rng.randint(1, 4), revises_id=f - 3 if f % 50 == 0 and f > 3 else None,
                    first_seen_at=now - dt.timedelta(days=90 * (n_facts - f) / n_facts), last_seen_at=now,
                ))
                sources.append(dict(fact_id=f + 1, article_id=article, host=f"site{article % 250}.example", seen_at=now))
                figures.append(dict(article_id=article, ordinal=f % 5, fact_id=f + 1, value=value, unit="CNY",
                                    subject="s", technologies=techs, sentence=rows[-1]["sentence"],
                                    phrase=rows[-1]["phrase"]))
            conn.execute(insert(Fact), rows)
            conn.execute(insert(FactSource), sources)
            conn.execute(insert(Figure), figures)
        conn.execute(insert(Subscriber), [dict(id=s + 1, name=f"desk {s}", email=f"d{s}@example.com", technologies=[],
                                              plans=[], languages=[], min_sources=1, mode="instant", muted=False,
                                              active=True, created_at=now, updated_at=now) for s in range(10)])
        conn.execute(insert(Delivery), [dict(subscriber_id=s + 1, fact_id=f + 1, kind="new", mode="instant",
                                             status=rng.choice(["sent"] * 18 + ["failed", "pending"]),
                                             attempts=1, created_at=now, last_error=None)
                                        for s in range(10) for f in range(0, n_facts, 50)])
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            for table in ("facts", "fact_sources", "figures", "articles", "mentions", "deliveries", "feeds"):
                conn.execute(text(f"ANALYZE {table}"))


def measure(url: str, n_facts: int) -> list[tuple[str, float, float]]:
    from fastapi.testclient import TestClient

    from console import auth
    from console.app import create_app

    app = create_app(url)
    app.dependency_overrides[auth._reader] = lambda: None
    today = dt.date.today()
    values = {"fact_id": n_facts // 2 + 1, "since": (today - dt.timedelta(days=10)).isoformat(),
              "until": (today - dt.timedelta(days=5)).isoformat()}
    results = []
    with TestClient(app) as client:
        client.get("/facts")  # opens (and migrates) the store once
        for route in ROUTES:
            path = route.format(**values)
            times = []
            for _ in range(5):
                start = time.perf_counter()
                answer = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
            results.append((path, statistics.median(times), max(times)))
    return results


def run(backend: str, n_facts: int, n_feeds: int) -> bool:
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="planwatch-bench-console-")
        url, drop = f"sqlite:///{folder}/planwatch.db", None
    else:
        name = f"planwatch_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name

        def drop():
            dispose_all()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    try:
        migrate(url)
        start = time.perf_counter()
        fill(url, n_facts, n_feeds)
        print(f"\n{backend}: {n_facts:,} facts, {n_feeds:,} feeds filled in {time.perf_counter() - start:.1f} s")
        results = measure(url, n_facts)
    finally:
        if drop:
            drop()
    ok = True
    print(f"{'route':<48} {'median ms':>10} {'worst ms':>9}")
    for path, median, worst in results:
        flag = "" if median < 200 else "  OVER 200 ms"
        ok &= median < 200
        print(f"{path:<48} {median:>10.1f} {worst:>9.1f}{flag}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--feeds", type=int, default=1_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = all([run(b, args.facts, args.feeds) for b in backends])
    print("\n(timings from this machine; on a loaded machine they are an upper bound)")
    print("all routes under 200 ms" if ok else "some routes over 200 ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
