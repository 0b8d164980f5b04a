"""Time of one text fingerprint (extract.dedup) on the seed article ×3 (~3,000 words).

Target: under 100 ms a fingerprint (was a timed assert in tests/extract/test_dedup.py).

    uv run python benchmarks/dedup.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from extract.dedup import fingerprint

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "five-year-plan-tech-cnn.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    text = SEED.read_text(encoding="utf-8") * 3
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        fingerprint(text)
    each = (time.perf_counter() - t0) / args.rounds
    print(f"fingerprint: {each * 1000:.1f} ms per text of {len(text):,} characters "
          f"({args.rounds} rounds; target < 100 ms)")


if __name__ == "__main__":
    main()
