"""SimHash fingerprints: syndicated copies match, different stories on the same topic do not."""

from __future__ import annotations

import functools
import glob
import random
from pathlib import Path

import trafilatura

from extract.dedup import bands, distance, fingerprint, is_near_duplicate, probes, to_signed

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED = (SHARED / "seed" / "five-year-plan-tech-cnn.txt").read_text()


@functools.cache
def others() -> list[str]:
    """Article texts of the eval pages as the pipeline sees them (trafilatura), long enough to be stories."""
    texts = [trafilatura.extract(Path(p).read_text()) or "" for p in sorted(glob.glob(str(SHARED / "eval" / "articles" / "*.html")))]
    return [t for t in texts if len(t.split()) > 120]


def wire_copy(text: str) -> str:
    """The same story as another outlet runs it: new headline, byline, dateline and boilerplate."""
    paras = [p for p in text.split("\n") if p.strip()]
    return "\n".join(
        ["China bets big on AI, robots and quantum computing in its new five-year blueprint", "By a staff writer | Reuters", "BEIJING, March 5 (Reuters) -"]
        + paras
        + ["(Reporting by the Beijing newsroom; Editing by the Asia desk)", "Our Standards: The Thomson Reuters Trust Principles."]
    )


def test_wire_copy_with_other_headline_byline_and_boilerplate_matches():
    a, b = fingerprint(SEED), fingerprint(wire_copy(SEED))
    assert is_near_duplicate(a, b), distance(a, b)


def test_wire_copies_of_shorter_articles_match():
    assert len(others()) >= 10
    for text in others():
        assert is_near_duplicate(fingerprint(text), fingerprint(wire_copy(text))), distance(fingerprint(text), fingerprint(wire_copy(text)))


def test_edited_copy_of_a_long_story_matches():
    paras = [p for p in SEED.split("\n") if p.strip()]
    edited = "\n".join(
        ["BEIJING (Reuters) - " + paras[0]] + paras[1:] + ["Additional reporting by Li Wei in Shanghai and the Singapore newsroom; writing by Joe Bloggs; editing by Jane Doe and Sam Smith"]
    )
    assert 0 < distance(fingerprint(SEED), fingerprint(edited)) <= 7


def test_a_story_that_shares_only_its_opening_is_not_a_copy():
    paras = [p for p in SEED.split("\n") if p.strip()]
    half = len(paras) // 2
    other = "\n".join(paras[:half] + [p for t in others()[:3] for p in t.split("\n")])
    assert not is_near_duplicate(fingerprint(SEED), fingerprint(other))


def test_different_stories_on_the_same_topic_do_not_match():
    texts = [SEED] + others()
    assert len(texts) >= 10
    fps = [fingerprint(t) for t in texts]
    closest = min(distance(fps[i], fps[j]) for i in range(len(fps)) for j in range(i))
    assert closest > 12, closest  # a wide margin over the threshold of 7


def test_chinese_text_is_shingled_by_character():
    a = "十五五规划提出，人工智能相关产业规模到2030年将超过10万亿元，科技支出增长10%，研发经费年均增长7%以上。" * 3
    copy = "新华社北京3月5日电\n" + a + "\n（责任编辑：王明）"
    other = "国家统计局发布数据，一季度国内生产总值同比增长5.3%，居民消费价格指数上涨0.7%，制造业投资保持较快增长。" * 3
    assert distance(fingerprint(a), fingerprint(copy)) < distance(fingerprint(a), fingerprint(other))
    assert not is_near_duplicate(fingerprint(a), fingerprint(other))


def test_fingerprint_is_stable_signed_64_bit_and_case_insensitive():
    fp = fingerprint(SEED)
    assert -(2**63) <= fp < 2**63
    assert fingerprint(SEED.upper()) == fp
    assert fingerprint("") == 0 and fingerprint("  ,;  ") == 0
    assert to_signed(2**64 - 1) == -1 and to_signed(5) == 5


def test_a_fingerprint_with_the_top_bit_set_is_negative():
    fps = [fingerprint(f"story number {i} about chips and quantum computing budgets") for i in range(64)]
    assert any(fp < 0 for fp in fps) and any(fp > 0 for fp in fps)


def test_probes_find_every_fingerprint_within_the_threshold():
    rng = random.Random(3)
    for n_flips in (7, 7, 6, 4, 1):
        for _ in range(500):
            a = to_signed(rng.getrandbits(64))
            # worst cases too: 7 bits spread 2, 2, 2, 1 over the four bands
            flips = rng.sample(range(64), n_flips) if rng.random() < 0.5 else [
                16 * band + bit for band, k in zip(rng.sample(range(4), 4), (2, 2, 2, 1)) for bit in rng.sample(range(16), k)
            ][:n_flips]
            b = to_signed((a & (2**64 - 1)) ^ sum(1 << i for i in flips))
            assert is_near_duplicate(a, b)
            stored = bands(b)
            assert any(stored[i] in keys for i, keys in enumerate(probes(a)))
    c = to_signed(rng.getrandbits(64))
    assert not is_near_duplicate(c, c ^ 0xFF)  # 8 bits apart
    a = fingerprint(SEED)
    assert len(bands(a)) == 4 and [k >> 16 for k in bands(a)] == [0, 1, 2, 3]
    assert all(len(set(keys)) == 17 and all(k >> 16 == i for k in keys) for i, keys in enumerate(probes(a)))


def test_probes_match_few_unrelated_fingerprints():
    rng = random.Random(5)
    stored = [bands(to_signed(rng.getrandbits(64))) for _ in range(20_000)]
    query = probes(to_signed(rng.getrandbits(64)))
    hits = sum(any(row[i] in set(keys) for i, keys in enumerate(query)) for row in stored)
    assert hits < 80  # expected ~20,000 * 68 / 65,536 = 21

