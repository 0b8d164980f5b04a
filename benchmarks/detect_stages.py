"""Where detection's time goes, stage by stage, on the news-sized pages of benchmarks/detect.py.

    uv run python benchmarks/detect_stages.py [PAGES] [--profile N]

Each page is extracted first (not timed); then each stage of extract.detect.detect is run and timed alone, in CPU
time of this process (another process sharing the cores does not count), three rounds, the last printed. With
--profile, cProfile's N costliest functions over one round of detect() follow.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.detect import build_pages  # noqa: E402
from extract.article import extract_article  # noqa: E402
from extract.detect import detect  # noqa: E402
from extract.figures import find_figures  # noqa: E402
from extract.kinds import annotate  # noqa: E402
from extract.mentions import find_plans, find_technologies, plan_keys, technologies_between  # noqa: E402
from extract.numbers import normalize_digits  # noqa: E402
from extract.sentences import Sentences  # noqa: E402
from extract.taxonomy import default_taxonomy  # noqa: E402


def stage_times(articles, tax) -> tuple[dict[str, float], int]:
    """CPU seconds per stage over ``articles``, and the figures found."""
    spent = dict.fromkeys(("technologies", "plans", "figures", "kinds and concepts"), 0.0)
    found = 0
    for a in articles:
        head = normalize_digits(a.title.strip()) + "\n\n" if a.title.strip() else ""
        full = head + normalize_digits(a.text)
        sentences = Sentences(full)
        t0 = time.process_time()
        hits = find_technologies(full, tax)
        t1 = time.process_time()
        plans = plan_keys(find_plans(full, tax, sentences), tax, a.date)
        t2 = time.process_time()
        spent["technologies"] += t1 - t0
        spent["plans"] += t2 - t1
        if not plans:
            continue
        starts = [h.start for h in hits]
        figures = find_figures(full, start=len(head), sentences=sentences, published=a.date,
                               tech_of=lambda s0, s1: technologies_between(hits, starts, s0, s1))
        t3 = time.process_time()
        annotate(figures, full, offset=len(head), published=a.date)
        t4 = time.process_time()
        spent["figures"] += t3 - t2
        spent["kinds and concepts"] += t4 - t3
        found += len(figures)
    return spent, found


def main(argv: list[str]) -> int:
    profile = int(argv[argv.index("--profile") + 1]) if "--profile" in argv else 0
    args = [a for i, a in enumerate(argv[1:], 1) if not a.startswith("--") and argv[i - 1] != "--profile"]
    tax = default_taxonomy()
    articles = [extract_article(p, f"https://example.com/{i}") for i, p in enumerate(build_pages(int(args[0]) if args else 200))]
    for a in articles[:20]:
        detect(a.text, title=a.title, published=a.date, taxonomy=tax)
    for _ in range(3):
        spent, found = stage_times(articles, tax)
    n = len(articles)
    print(f"{n} pages, {found} figures: {1e3 * sum(spent.values()) / n:.2f} ms of CPU a page")
    for stage, s in spent.items():
        print(f"  {stage:20s} {1e3 * s / n:6.3f} ms a page  {1e6 * s / max(found, 1):6.1f} us a figure")
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        for a in articles:
            detect(a.text, title=a.title, published=a.date, taxonomy=tax)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
