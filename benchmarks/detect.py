"""Speed and memory of detection next to trafilatura's extraction, on news-sized pages.

    uv run python benchmarks/detect.py [PAGES]

Pages are built from the annotated articles in ../shared/eval (articles that mention the plan, so detection
does its full work: plans, technologies and figures), padded with site furniture — navigation, sidebars,
inline scripts and styles, footers — to the size of real news pages (~150 KiB of HTML, ~6 KiB of article
text), and repeated to PAGES (default 2000). The 200 real pages of ../shared/realpages are measured too.

Detection is timed right after each page's extraction, as the ingest stage runs it; trafilatura leaves the CPU
caches cold, which costs detection about a quarter of its time, so the warm figure is printed beside it.
"""

from __future__ import annotations

import gc
import json
import random
import re
import resource
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from extract.article import extract_article  # noqa: E402
from extract.detect import detect  # noqa: E402
from extract.taxonomy import default_taxonomy  # noqa: E402

SHARED = REPO.parent / "shared"
TARGET_HTML = 150 * 1024
TARGET_TEXT = 6 * 1024
_PARAGRAPHS = re.compile(r"<p>(?!<a)(.*?)</p>", re.S)


def _furniture(rng: random.Random, zh: bool) -> tuple[str, str, str]:
    """Header, sidebar and footer shaped like the real pages' (~950 elements, long classes, URLs and srcsets)."""
    words = ["新闻", "财经", "科技", "国际", "体育", "视频", "观点", "图片"] if zh else \
        ["World", "Business", "Technology", "Markets", "Sport", "Video", "Opinion", "Pictures"]
    cls = "c-nav__item c-nav__item--level-2 js-track-click u-hide-on-mobile"
    sections = []
    for w in words:
        subs = "".join(f'<li class="{cls}"><a class="c-nav__link" data-track="nav|{w}|{i}" '
                       f'href="https://www.example-news.com/{w.lower()}/section-{i}/?ref=nav_{rng.randrange(10**6)}">'
                       f'<span class="c-nav__label">{w} {i}</span></a></li>' for i in range(14))
        sections.append(f'<li class="c-nav__group"><div class="c-nav__heading"><button type="button" '
                        f'aria-expanded="false" class="c-nav__toggle">{w}</button></div><ul class="c-nav__list">'
                        f'{subs}</ul></li>')
    ticker = "".join(f'<li class="c-ticker__item"><span class="c-ticker__sym">IDX{i}</span> '
                     f'<span class="c-ticker__px">{rng.uniform(1000, 40000):,.2f}</span> '
                     f'<span class="c-ticker__chg">{rng.choice("+-")}{rng.uniform(0, 3):.2f}%</span></li>' for i in range(24))
    header = (f'<header class="c-header" role="banner"><div class="c-header__inner"><nav class="c-nav" '
              f'aria-label="Main"><ul class="c-nav__groups">{"".join(sections)}</ul></nav>'
              f'<ul class="c-ticker">{ticker}</ul></div></header>')
    teasers = []
    for _ in range(36):
        sid = rng.randrange(10**7)
        teasers.append(
            f'<div class="c-teaser c-teaser--small"><a class="c-teaser__link" href="https://www.example-news.com/story/'
            f'{sid}/a-headline-about-markets-and-policy?utm_source=sidebar"><figure class="c-teaser__media"><img '
            f'loading="lazy" alt="" src="https://img.example-news.com/{sid}/320x180.jpg" srcset="https://img.example-'
            f'news.com/{sid}/320x180.jpg 320w, https://img.example-news.com/{sid}/640x360.jpg 640w, https://img.'
            f'example-news.com/{sid}/1280x720.jpg 1280w" sizes="(max-width: 600px) 100vw, 320px"></figure>'
            f'<h3 class="c-teaser__title">{rng.randrange(3, 20)} things to know about the markets today</h3></a>'
            f'<span class="c-teaser__meta">{rng.randrange(1, 59)} min ago · {rng.randrange(100)} comments</span></div>')
    side = f'<aside class="c-rail" role="complementary"><section class="c-rail__most-read"><h2>Most read</h2>{"".join(teasers)}</section></aside>'
    links = "".join(f'<li class="c-footer__item"><a class="c-footer__link" href="https://www.example-news.com/'
                    f'info/page-{i}/">Section {i}</a></li>' for i in range(70))
    footer = (f'<footer class="c-footer" role="contentinfo"><ul class="c-footer__list">{links}</ul>'
              f'<p class="c-footer__contact">Tel +86 10 6512 {rng.randrange(1000, 9999)}</p>'
              f'<p class="c-footer__copy">&copy; 2026 Example Media Group. Page 1 of 3.</p></footer>')
    return header, side, footer


def _script(rng: random.Random, size: int) -> str:
    chunk = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
             "gtag('config','G-%06d');var ads={slot:'top',sizes:[[728,90],[970,250]],targeting:{section:'news'}};")
    body = "".join(chunk % rng.randrange(10**6) for _ in range(size // len(chunk) + 1))
    return f"<script>{body[:size]}</script>"


def build_pages(count: int, seed: int = 7) -> list[bytes]:
    """News-sized pages from the eval articles: the article text grown to ~6 KiB, furniture to ~150 KiB."""
    rng = random.Random(seed)
    gold = [json.loads(line) for line in (SHARED / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    sources = []
    for g in gold:
        html = (SHARED / "eval" / "articles" / f"{g['id']}.html").read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        sources.append((g["lang"].startswith("zh"), title, _PARAGRAPHS.findall(html)))
    pages = []
    for i in range(count):
        zh, title, paras = sources[i % len(sources)]
        same = [p for z, _, ps in sources if z == zh for p in ps]
        body, size = list(paras), sum(len(p.encode()) for p in paras)
        while size < TARGET_TEXT:
            extra = rng.choice(same)
            body.append(extra)
            size += len(extra.encode())
        header, side, footer = _furniture(rng, zh)
        article = "".join(f"<p>{p}</p>" for p in body)
        page = (f'<!DOCTYPE html><html lang="{"zh" if zh else "en"}"><head><meta charset="utf-8"><title>{title}</title>'
                f'<style>{".c-x{margin:0;padding:0}" * 400}</style></head><body>{header}'
                f'<main><article><h1>{title}</h1><div class="story-body">{article}</div></article>{side}</main>{footer}')
        page += _script(rng, max(0, TARGET_HTML - len(page.encode()) - 40)) + "</body></html>"
        pages.append(page.encode("utf-8"))
    return pages


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, pages: list[bytes]) -> None:
    """Extract then detect page by page, as the ingest stage does, timing each step."""
    tax = default_taxonomy()
    detect("warm-up: China's 15th Five-Year Plan targets 7% growth.", taxonomy=tax)
    gc.collect()
    gc.freeze()  # the corpus held in memory is the benchmark's, not the pipeline's: keep it out of GC passes
    t_extract = t_detect = 0.0
    text_bytes = found = 0
    rss_before = rss_mib()
    for i, page in enumerate(pages):
        t0 = time.perf_counter()
        article = extract_article(page, f"https://example.com/{i}")
        t1 = time.perf_counter()
        detection = detect(article.text, title=article.title, published=article.date, taxonomy=tax)
        t2 = time.perf_counter()
        t_extract += t1 - t0
        t_detect += t2 - t1
        text_bytes += len(article.text.encode())
        found += len(detection.figures)
    rss_after = rss_mib()

    sample = [extract_article(p, "https://example.com/m") for p in pages[:200]]
    t0 = time.perf_counter()
    for a in sample:  # back to back, with caches warm: what detection costs apart from following trafilatura
        detect(a.text, title=a.title, published=a.date, taxonomy=tax)
    t_warm = (time.perf_counter() - t0) / len(sample)
    tracemalloc.start()
    for _ in range(2):
        for a in sample:
            detect(a.text, title=a.title, published=a.date, taxonomy=tax)
        gc.collect()
        if _ == 0:
            mid = tracemalloc.get_traced_memory()[0]
    end, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.unfreeze()

    n, text_mb, html_mb = len(pages), text_bytes / 1e6, sum(len(p) for p in pages) / 1e6
    print(f"\n{name}: {n} pages, {html_mb / n * 1e3:.0f} KB HTML and {text_mb / n * 1e3:.1f} KB article text a page")
    print(f"  extraction (trafilatura, with metadata): {t_extract:7.2f} s  {n / t_extract:8.1f} pages/s "
          f"{html_mb / t_extract:7.2f} MB/s of HTML")
    print(f"  detection (plans, technologies, figures): {t_detect:6.2f} s  {n / t_detect:8.1f} pages/s "
          f"{text_mb / t_detect:7.2f} MB/s of text  ({html_mb / t_detect:.1f} MB/s of HTML equivalent)")
    print(f"  detection / extraction time: {t_detect / t_extract:.2%}   (bar: at most 5%)   figures found: {found}")
    print(f"  detection back to back, caches warm: {1e3 * t_warm:.2f} ms a page ({t_warm * n / t_extract:.2%} of "
          f"extraction); after each extraction, as above: {1e3 * t_detect / n:.2f} ms")
    print(f"  detection memory (tracemalloc, {len(sample)} pages twice): {mid / 1024:.0f} KiB held after the first "
          f"pass, {end / 1024:.0f} KiB after the second, peak {peak / 1024:.0f} KiB")
    print(f"  process RSS (trafilatura included): {rss_before:.1f} MiB before the run, {rss_after:.1f} MiB after")


def main(argv: list[str]) -> int:
    count = int(argv[1]) if len(argv) > 1 else 2000
    print(f"planwatch detection benchmark — RSS at start {rss_mib():.1f} MiB")
    measure("news-sized pages built from ../shared/eval", build_pages(count))
    real = sorted((SHARED / "realpages").glob("*.html"))
    if real:
        measure("real pages from ../shared/realpages", [p.read_bytes() for p in real])
    print(f"\npeak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
