"""Full-text search at scale on SQLite: query latency, index build time, indexing cost next to extraction.

    uv run python benchmarks/search.py [ARTICLES] [--keep DIR]

Builds a store of ARTICLES (default 100,000) news-size articles — about 4,000 characters of English or
1,500 of Chinese (one in five), sentences drawn from the real pages of ../shared/realpages and the annotated
pages of ../shared/eval and the Chinese sample page — with bulk inserts into the migrated schema, so the FTS5 triggers index every row
as the ingest would. Then:

* search latency: `store.search.search_articles` (ranking, snippet, facts carried) for English and Chinese
  queries, median and 95th percentile (target: median under 50 ms);
* indexing cost per article: 1,000 articles inserted with the index against the same rows without it,
  as a share of trafilatura's median extraction time on the real pages (target: under 5%).
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from extract.article import extract_article  # noqa: E402
from store import migrate, session_scope  # noqa: E402
from store.search import search_articles  # noqa: E402

SHARED = REPO.parent / "shared"
EN_QUERIES = ["quantum", "semiconductor", "computing power", "artificial intelligence", "trillion yuan",
              "Five-Year Plan", "robotics industry", "AI", "6G"]
ZH_QUERIES = ["人工智能", "集成电路", "量子科技", "十五五", "新质生产力", "算力", "芯片"]
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]?")
_CJK = re.compile("[\u4e00-\u9fff]")
COLUMNS = ("canonical_url", "url", "host", "title", "text", "published", "language", "status", "plans",
           "technologies", "fetched_at")


def pages() -> list[Path]:
    found = sorted((SHARED / "realpages").glob("*.html")) + sorted((SHARED / "eval" / "articles").glob("*.html"))
    found += sorted((REPO / "planwatch" / "sample" / "articles").glob("zh-*.html"))
    if not found:
        sys.exit(f"no pages under {SHARED}: this benchmark needs ../shared beside the checkout")
    return found


def extract_all(paths: list[Path]) -> tuple[list[str], list[str], list[float]]:
    """English and Chinese sentences of the pages, and trafilatura's time per page."""
    en, zh, times = [], [], []
    for path in paths:
        raw = path.read_bytes()
        start = time.perf_counter()
        article = extract_article(raw, f"https://bench.example/{path.stem}")
        times.append(time.perf_counter() - start)
        for s in _SENTENCE.findall(article.text or ""):
            s = s.strip()
            if len(s) > 20:
                (zh if len(_CJK.findall(s)) > len(s) / 3 else en).append(s)
    return en, zh, times


def make_rows(n: int, en: list[str], zh: list[str], rng: random.Random, start: int = 0):
    """``n`` article rows of news size; one in five Chinese."""
    for i in range(start, start + n):
        chinese = zh and i % 5 == 0
        pool, size, sep = (zh, 1500, "") if chinese else (en, 4000, " ")
        parts, length = [], 0
        while length < size:
            s = rng.choice(pool)
            parts.append(s)
            length += len(s) + len(sep)
        url = f"https://outlet{i % 97}.example/{i}"
        yield (url, url, f"outlet{i % 97}.example", rng.choice(pool)[:90], sep.join(parts),
               f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}", "zh" if chinese else "en", "ok", '["15th"]', '["ai"]',
               "2026-03-12 00:00:00.000000")


def insert(db_path: Path, rows, batch: int = 1000) -> float:
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    sql = f"INSERT INTO articles ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    start = time.perf_counter()
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            with conn:
                conn.executemany(sql, chunk)
            chunk = []
    if chunk:
        with conn:
            conn.executemany(sql, chunk)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def fresh_store(folder: Path, name: str, revision: str = "head") -> Path:
    from alembic import command

    from store.db import alembic_config

    path = folder / name
    url = f"sqlite:///{path}"
    if revision == "head":
        migrate(url)
    else:
        command.upgrade(alembic_config(url), revision)
    return path


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("articles", nargs="?", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15, help="runs of each query")
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    args = parser.parse_args()
    rng = random.Random(13)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="planwatch-bench-search-"))
    folder.mkdir(parents=True, exist_ok=True)
    print("note: timings from a shared, loaded machine are indicative only; re-run on an idle one")

    en, zh, extraction = extract_all(pages())
    extract_median = statistics.median(extraction)
    print(f"trafilatura extraction: {len(extraction)} real pages, median {extract_median * 1000:.1f} ms per page; "
          f"sentence pool {len(en)} English, {len(zh)} Chinese")

    sample = list(make_rows(1000, en, zh, random.Random(7), start=10**7))
    plain = insert(fresh_store(folder, "plain.db", "0001"), sample)
    indexed = insert(fresh_store(folder, "indexed.db"), sample)
    per_article = max(0.0, indexed - plain) / len(sample)
    print(f"indexing cost: {per_article * 1000:.2f} ms per article ({indexed * 1000 / len(sample):.2f} ms with the "
          f"index, {plain * 1000 / len(sample):.2f} ms without) = {100 * per_article / extract_median:.1f}% of "
          f"extraction (target < 5%)")

    db = fresh_store(folder, "bench.db")
    built = insert(db, make_rows(args.articles, en, zh, rng))
    size = sum(p.stat().st_size for p in folder.glob("bench.db*")) / 2**20
    print(f"built {args.articles:,} articles in {built:.1f} s ({built * 1e6 / args.articles:.0f} µs per article), "
          f"store {size:,.0f} MiB")

    url = f"sqlite:///{db}"
    results: dict[str, list[float]] = {}
    with session_scope(url) as session:
        for query in EN_QUERIES + ZH_QUERIES:
            search_articles(session, query)  # warm the page cache once
            times, hits = [], 0
            for _ in range(args.repeat):
                start = time.perf_counter()
                hits = len(search_articles(session, query))
                times.append(time.perf_counter() - start)
            results[query] = times
            print(f"  {query:<24} median {statistics.median(times) * 1000:7.1f} ms   "
                  f"p95 {percentile(times, 0.95) * 1000:7.1f} ms   {hits} hits")
    for label, queries in (("English", EN_QUERIES), ("Chinese", ZH_QUERIES)):
        times = [t for q in queries for t in results[q]]
        print(f"{label} queries: median {statistics.median(times) * 1000:.1f} ms, p95 "
              f"{percentile(times, 0.95) * 1000:.1f} ms over {len(times)} runs (target median < 50 ms)")
    if not args.keep:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
