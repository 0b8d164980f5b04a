"""A 20 MiB page of one line of text, analysed as `planwatch analyze` would: plain text and HTML.

    uv run python benchmarks/long_page.py [MIB]

The bar is under 10 s each. Text is capped at extract.article.MAX_TEXT_CHARS and marked truncated; sentences
are cut at MAX_SENTENCE, so detection stays linear however the page is written.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract.article import extract_article  # noqa: E402
from extract.detect import detect  # noqa: E402

WORDS = ("China 15th Five-Year Plan AI robotics chips quantum investment growth percent yuan factories billion "
         "the of and to in 十五五 规划 人工智能 亿元 增长").split()


def one_line(size: int, rng: random.Random) -> str:
    parts, n = [], 0
    while n < size:
        word = str(rng.randint(1, 99999)) if rng.random() < 0.05 else rng.choice(WORDS)
        parts.append(word)
        n += len(word) + 1
    return " ".join(parts)


def main() -> None:
    mib = float(sys.argv[1]) if len(sys.argv) > 1 else 20
    text = one_line(int(mib * 1024 * 1024), random.Random(1))
    pages = {"text/plain": text.encode(), "text/html": (
        "<html><head><title>Plan</title></head><body><article><p>" + text + "</p></article></body></html>").encode()}
    for ctype, data in pages.items():
        t0 = time.perf_counter()
        article = extract_article(data, "file:///tmp/one-line", content_type=ctype)
        t1 = time.perf_counter()
        found = detect(article.text, title=article.title, published=article.date)
        t2 = time.perf_counter()
        print(f"{ctype:<10} {len(data) / 2**20:.1f} MiB: extract {t1 - t0:.2f} s, detect {t2 - t1:.2f} s, "
              f"total {t2 - t0:.2f} s (bar 10 s); text {len(article.text):,} chars, truncated={article.truncated}, "
              f"{len(found.figures)} figures")


if __name__ == "__main__":
    main()
