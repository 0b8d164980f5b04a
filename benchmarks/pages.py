"""Real-size pages for the store and scale benchmarks, served on loopback as RSS feeds.

The 200 real pages of ../shared/realpages (~150 KiB of HTML each, no plan: text and technology
mentions) and the 20 annotated articles of ../shared/eval (the plan and figures: facts), repeated to the
count asked for; page i is served at /p/i.html, fifty to a feed at /feed/k.xml.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared"
PER_FEED = 50


def real_pages() -> list[bytes]:
    """The distinct pages: eval articles first (they carry figures), then the real pages."""
    files = sorted((SHARED / "eval" / "articles").glob("*.html")) + sorted((SHARED / "realpages").glob("*.html"))
    if not files:
        raise SystemExit(f"benchmark: no pages under {SHARED}/eval/articles or {SHARED}/realpages")
    return [f.read_bytes() for f in files]


def pages(n: int) -> list[bytes]:
    distinct = real_pages()
    return [distinct[i % len(distinct)] for i in range(n)]


def serve(server, bodies: list[bytes]) -> list[str]:
    """Mount the pages and their feeds on a planwatch.standins.HTTPServer; returns the feed URLs."""
    from planwatch.standins import Reply

    base = server.url("").rstrip("/")
    for i, body in enumerate(bodies):
        server.routes[f"/p/{i}.html"] = Reply(200, body, {"Content-Type": "text/html; charset=utf-8"})
    feeds = []
    for k in range(0, len(bodies), PER_FEED):
        items = "".join(f"<item><title>Page {i}</title><link>{base}/p/{i}.html</link><guid>p{i}</guid>"
                        "<pubDate>Thu, 12 Mar 2026 08:00:00 GMT</pubDate></item>"
                        for i in range(k, min(k + PER_FEED, len(bodies))))
        server.routes[f"/feed/{k}.xml"] = Reply(
            200, f'<?xml version="1.0"?><rss version="2.0"><channel><title>f{k}</title>{items}</channel></rss>',
            {"Content-Type": "application/rss+xml"})
        feeds.append(server.url(f"/feed/{k}.xml"))
    return feeds


def config_env(folder: Path, feeds: list[str], n_pages: int) -> dict[str, str]:
    """PLANWATCH_* variables for these feeds, no subscribers, every page in one run."""
    from planwatch.demo import write_config

    env = write_config(folder, [(f"feed {i}", url) for i, url in enumerate(feeds)], [])
    env.update({"PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1", "PLANWATCH_MAX_PAGES_PER_RUN": str(n_pages)})
    return env


def _extract_all(bodies: list[bytes]) -> int:
    from extract.article import extract_article

    return sum(extract_article(b, f"https://bench.example/{i}.html").status == "ok" for i, b in enumerate(bodies))


def extraction_seconds(bodies: list[bytes], processes: int = 1) -> float:
    """Wall time of extract_article (trafilatura) alone over ``bodies`` in ``processes`` processes."""
    if processes == 1:
        t0 = time.perf_counter()
        _extract_all(bodies)
        return time.perf_counter() - t0
    chunks = [bodies[i::processes] for i in range(processes)]
    with mp.get_context("fork").Pool(processes) as pool:
        pool.map(_extract_all, [c[:2] for c in chunks])  # warm the imports before timing
        t0 = time.perf_counter()
        pool.map(_extract_all, chunks)
        return time.perf_counter() - t0
