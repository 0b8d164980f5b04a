"""Fact matching per article with many facts stored: indexed lookups, so the time does not grow with the store.

    uv run python benchmarks/facts.py [FACTS]

Fills a fresh SQLite store with FACTS facts (default 100,000; distinct concepts, units, values and years, as
``store.facts`` keys them), then stores articles of 12 figures each (half of them restating stored facts,
half new) and times ``record_figures`` per article, at 1% of the store and at the full store. Prints the
timings; this machine may be loaded, so read them as rough.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import insert  # noqa: E402

from extract.records import Article, Detection, Figure  # noqa: E402
from store import migrate, session_scope  # noqa: E402
from store.articles import save_article  # noqa: E402
from store.facts import KIND_CLASS, value_key  # noqa: E402
from store.models import Article as ArticleRow, Fact, utcnow  # noqa: E402

CONCEPTS = [f"concept_{i}" for i in range(400)]
UNITS = ["percent", "CNY", "count", "GW"]


def _fact_row(i: int, article_id: int, now) -> dict:
    concept, unit = CONCEPTS[i % len(CONCEPTS)], UNITS[i % len(UNITS)]
    value, year = float(i // len(CONCEPTS) + 1), 2026 + i % 5
    series = f"{concept}|{unit}|{KIND_CLASS['target']}|"
    vk = value_key(value)
    return dict(subject=concept, subject_key=concept, unit=unit, value=value, value_key=vk, year=year,
                technologies=[], plans=[], phrase="", sentence="", first_article_id=article_id, source_count=1,
                first_seen_at=now, last_seen_at=now, concept_key=concept, kind="target", plan="",
                match_key=f"{series}|{vk}|{year}", loose_key=f"{series}|{vk}", series_key=series)


def fill(url: str, start: int, stop: int) -> None:
    now = utcnow()
    with session_scope(url) as s:
        row = s.query(ArticleRow).first()
        if row is None:
            row = ArticleRow(canonical_url="https://seed.example/0", url="https://seed.example/0", host="seed.example")
            s.add(row)
            s.flush()
        for lo in range(start, stop, 5000):
            s.execute(insert(Fact), [_fact_row(i, row.id, now) for i in range(lo, min(stop, lo + 5000))])


def figures(rng: random.Random, stored: int, n: int = 12) -> list[Figure]:
    out = []
    for k in range(n):
        i = rng.randrange(stored) if k % 2 == 0 else stored + rng.randrange(10 ** 6)
        concept, unit = CONCEPTS[i % len(CONCEPTS)], UNITS[i % len(UNITS)]
        out.append(Figure(value=float(i // len(CONCEPTS) + 1), unit=unit, phrase=f"p{k}", sentence=f"s{k}",
                          year=2026 + i % 5, subject=concept, kind="target", concept=concept, start=0, end=1))
    return out


def time_articles(url: str, stored: int, n: int, rng: random.Random, tag: str) -> list[float]:
    times = []
    for j in range(n):
        art = Article(url=f"https://b.example/{tag}/{j}", canonical_url=f"https://b.example/{tag}/{j}", text="x")
        det = Detection(plans=["15th"], figures=figures(rng, stored))
        with session_scope(url) as s:
            t0 = time.perf_counter()
            save_article(s, art, det)
            times.append(time.perf_counter() - t0)
    return times


def main(total: int = 100_000, articles: int = 50) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        small = max(1, total // 100)
        fill(url, 0, small)
        few = time_articles(url, small, articles, rng, "small")
        fill(url, small, total)
        many = time_articles(url, total, articles, rng, "large")
    print(f"facts benchmark (machine may be loaded): {articles} articles of 12 figures, half restating stored facts")
    for n, t in ((small, few), (total, many)):
        print(f"  {n:>8,} facts stored: median {statistics.median(t) * 1000:7.2f} ms per article, "
              f"p90 {sorted(t)[int(len(t) * 0.9)] * 1000:7.2f} ms")
    print(f"  ratio large/small: {statistics.median(many) / statistics.median(few):.2f} (indexed: about 1)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
