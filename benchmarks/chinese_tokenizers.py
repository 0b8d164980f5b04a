"""Chinese search: FTS5's trigram tokenizer (what the store uses) against jieba word segmentation.

    uv run --group bench python benchmarks/chinese_tokenizers.py [--copies N]

Corpus: the Chinese article texts of ../shared/eval, ../shared/realpages, the held-out fixtures and the sample
bundle, as trafilatura extracts them. Queries: every Chinese term analysts find in config/ (the taxonomy's
technologies and plan names, the concept vocabulary), from two-character words (算力, 芯片) to long ones.
What a user expects is every article whose title or text contains the query, so the truth is a substring test.

* trigram: the store's own index (migration 0005) through `store.search.search_articles`;
* jieba: an FTS5 table (unicode61) over `jieba.cut_for_search` tokens, queried with the query's `jieba.cut` words NEAR each
  other (search mode puts sub-words between them, so an exact phrase would miss 人形机器人).

Prints recall and precision against the truth, queries with misses (and what jieba made of them),
indexing time per article and index size, and query latency on the corpus copied N times.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from search import REPO, SHARED, fresh_store, insert, percentile  # noqa: E402  (benchmarks/search.py)

from extract.article import extract_article  # noqa: E402
from store import session_scope  # noqa: E402
from store.search import search_articles  # noqa: E402

try:
    import jieba
except ImportError:  # pragma: no cover - an optional benchmark dependency
    sys.exit("this benchmark compares against jieba: run it with `uv run --group bench python benchmarks/chinese_tokenizers.py`")

FIXTURES = REPO / "tests" / "fixtures"


def chinese_pages() -> list[Path]:
    found = [*(SHARED / "eval" / "articles").glob("*.html"), *(SHARED / "realpages").glob("*.html"),
             *(FIXTURES / "eval_real" / "articles").glob("*.html"), *(FIXTURES / "eval_own" / "articles").glob("*.html"),
             *FIXTURES.glob("streams/*/pages/*.html"), *(REPO / "planwatch" / "sample" / "articles").glob("*.html")]
    if not found:
        sys.exit(f"no pages under {SHARED}: this benchmark needs ../shared beside the checkout")
    return sorted(found)


def chinese_texts(paths: list[Path]) -> list[tuple[str, str]]:
    """(title, text) of the pages whose text is mostly Chinese."""
    docs = []
    for path in paths:
        article = extract_article(path.read_bytes(), f"https://bench.example/{path.stem}")
        text = article.text or ""
        cjk = sum("\u4e00" <= c <= "\u9fff" for c in text)
        if len(text) > 200 and cjk > len(text) / 3:
            docs.append((article.title or "", text))
    return docs


def config_terms() -> list[str]:
    """The Chinese terms of the taxonomy and the concept vocabulary, each once."""
    taxonomy = yaml.safe_load((REPO / "config" / "taxonomy.yaml").read_text(encoding="utf-8"))
    concepts = yaml.safe_load((REPO / "config" / "concepts.yaml").read_text(encoding="utf-8"))
    terms = [name for plan in taxonomy["plans"].values() for name in plan.get("names", [])]
    terms += [t for tech in taxonomy["technologies"].values() for t in tech.get("zh", [])]
    terms += [t for concept in concepts["concepts"].values() for t in concept.get("zh", [])]
    return list(dict.fromkeys(t for t in terms if any("\u4e00" <= c <= "\u9fff" for c in t)))


def trigram_store(folder: Path, docs: list[tuple[str, str]], copies: int) -> tuple[Path, float, float]:
    """The store's own schema filled with the corpus; seconds per article with and without the index."""
    def rows(start: int):
        for i in range(len(docs) * copies):
            title, text = docs[i % len(docs)]
            url = f"https://outlet.example/{start + i}"
            yield (url, url, "outlet.example", title, text, "2026-03-12", "zh", "ok", '["15th"]', "[]",
                   "2026-03-12 00:00:00.000000")
    plain = insert(fresh_store(folder, "plain.db", "0001"), rows(0))
    path = fresh_store(folder, "trigram.db")
    indexed = insert(path, rows(0))
    n = len(docs) * copies
    return path, indexed / n, plain / n


def jieba_store(folder: Path, docs: list[tuple[str, str]], copies: int) -> tuple[Path, float, float]:
    """An FTS5 table over jieba's search-mode tokens; seconds per article for segmenting and for inserting."""
    path = folder / "jieba.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(title, text, tokenize='unicode61')")
    start = time.perf_counter()
    segmented = [(" ".join(jieba.cut_for_search(t)), " ".join(jieba.cut_for_search(x))) for t, x in docs]
    segment = (time.perf_counter() - start) / len(docs)
    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO docs (rowid, title, text) VALUES (?, ?, ?)",
                         ((i + 1, *segmented[i % len(docs)]) for i in range(len(docs) * copies)))
    stored = (time.perf_counter() - start) / (len(docs) * copies)
    conn.close()
    return path, segment, stored


def jieba_query(term: str) -> str:
    """The query's words, in order and near each other: search mode puts sub-words (机器) between them."""
    words = ['"' + t.replace('"', '""') + '"' for t in jieba.cut(term) if t.strip()]
    return words[0] if len(words) == 1 else f"NEAR({' '.join(words)}, {2 * len(words)})"


def index_mib(path: Path, prefix: str) -> float:
    conn = sqlite3.connect(path)
    try:
        pages = conn.execute("SELECT count(*) FROM dbstat WHERE name LIKE ?", (prefix + "%",)).fetchone()[0]
        size = pages * conn.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.OperationalError:  # dbstat not compiled in
        size = path.stat().st_size
    conn.close()
    return size / 2**20


def timed(fn, repeat: int) -> list[float]:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=50, help="copies of the corpus for the latency test")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query for latency")
    args = parser.parse_args()
    jieba.setLogLevel(60)
    jieba.initialize()
    print("note: timings from a shared, loaded machine are indicative only; re-run on an idle one")

    docs = chinese_texts(chinese_pages())
    terms = config_terms()
    truth = {t: {i for i, (title, text) in enumerate(docs) if t.lower() in (title + "\n" + text).lower()} for t in terms}
    terms = [t for t in terms if truth[t]]
    print(f"corpus: {len(docs)} Chinese articles; {len(terms)} Chinese terms from config/ that occur in it "
          f"({sum(len(t) <= 2 for t in terms)} of one or two characters)")

    folder = Path(tempfile.mkdtemp(prefix="planwatch-bench-zh-"))
    found: dict[str, dict[str, set[int]]] = {"trigram": {}, "jieba": {}}
    tri_path, tri_indexed, tri_plain = trigram_store(folder, docs, 1)
    with session_scope(f"sqlite:///{tri_path}") as session:
        for t in terms:
            found["trigram"][t] = {h.id - 1 for h in search_articles(session, t, limit=10**6)}
    jb_path, jb_segment, jb_insert = jieba_store(folder, docs, 1)
    conn = sqlite3.connect(jb_path)
    for t in terms:
        found["jieba"][t] = {r[0] - 1 for r in conn.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (jieba_query(t),))}

    print(f"\n{'tokenizer':<9} {'recall':>7} {'precision':>9} {'terms fully found':>18} "
          f"{'recall, 1–2 chars':>18} {'index ms/article':>17} {'index MiB':>10}")
    costs = {"trigram": (max(0.0, tri_indexed - tri_plain), index_mib(tri_path, "articles_cjk")),
             "jieba": (jb_segment + jb_insert, index_mib(jb_path, "docs"))}
    for name, hits in found.items():
        relevant = sum(len(truth[t]) for t in terms)
        right = sum(len(hits[t] & truth[t]) for t in terms)
        returned = sum(len(hits[t]) for t in terms)
        short = [t for t in terms if len(t) <= 2]
        short_recall = sum(len(hits[t] & truth[t]) for t in short) / max(1, sum(len(truth[t]) for t in short))
        complete = sum(hits[t] >= truth[t] for t in terms)
        ms, mib = costs[name]
        print(f"{name:<9} {right / relevant:>7.3f} {right / max(1, returned):>9.3f} {complete:>10}/{len(terms):<7} "
              f"{short_recall:>18.3f} {ms * 1000:>17.2f} {mib:>10.2f}")
    missed = sorted(((len(truth[t] - found["jieba"][t]), t) for t in terms if truth[t] - found["jieba"][t]), reverse=True)
    print(f"\njieba misses articles for {len(missed)} terms, most missed first (term: articles missed / containing; "
          f"how jieba cuts the term):")
    for n, t in missed[:15]:
        print(f"  {t}: {n}/{len(truth[t])}   {' / '.join(jieba.cut(t))}")
    tri_missed = [t for t in terms if truth[t] - found["trigram"][t]]
    print(f"trigram misses articles for {len(tri_missed)} terms{': ' + ', '.join(tri_missed[:15]) if tri_missed else ''}")
    conn.close()

    print(f"\nlatency on {len(docs) * args.copies:,} Chinese articles ({args.copies} copies of the corpus), "
          f"{len(terms)} terms × {args.repeat} runs:")
    for p in folder.iterdir():
        p.unlink()
    tri_path, _, _ = trigram_store(folder, docs, args.copies)
    jb_path, _, _ = jieba_store(folder, docs, args.copies)
    sample = random.Random(13).sample(terms, min(30, len(terms)))
    with session_scope(f"sqlite:///{tri_path}") as session:
        tri = [x for t in sample for x in timed(lambda: search_articles(session, t), args.repeat)]
    conn = sqlite3.connect(tri_path)
    tri_bare = [x for t in sample if len(t) >= 3 for x in timed(lambda: conn.execute(
        "SELECT rowid, bm25(articles_cjk, 10.0, 1.0) AS s FROM articles_cjk WHERE articles_cjk MATCH ? "
        "ORDER BY s LIMIT 20", ('"' + t + '"',)).fetchall(), args.repeat)]
    conn.close()
    conn = sqlite3.connect(jb_path)
    jb = [x for t in sample for x in timed(lambda: conn.execute(
        "SELECT rowid, bm25(docs, 10.0, 1.0) AS s FROM docs WHERE docs MATCH ? ORDER BY s LIMIT 20",
        (jieba_query(t),)).fetchall(), args.repeat)]
    conn.close()
    print(f"  trigram (search_articles: rank, snippet, facts): median {statistics.median(tri) * 1000:.1f} ms, "
          f"p95 {percentile(tri, 0.95) * 1000:.1f} ms")
    print(f"  trigram (bare MATCH + bm25, top 20, 3+ chars):   median {statistics.median(tri_bare) * 1000:.1f} ms, "
          f"p95 {percentile(tri_bare, 0.95) * 1000:.1f} ms")
    print(f"  jieba (bare MATCH + bm25, top 20):               median {statistics.median(jb) * 1000:.1f} ms, "
          f"p95 {percentile(jb, 0.95) * 1000:.1f} ms")
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
