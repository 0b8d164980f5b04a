"""Detection on the sample bundle (planwatch/sample/), annotated independently of the detector's authors."""

import json

import pytest

from extract.article import extract_article
from extract.detect import detect
from planwatch.demo import SAMPLE

EXPECTED = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))


def _page(name: str):
    return next(SAMPLE.rglob(name))


@pytest.mark.parametrize("case", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_sample_page(case):
    page = _page(case["file"].rsplit("/", 1)[-1])
    article = extract_article(page.read_bytes(), f"https://news.example/{page.name}")
    found = detect(article.text, title=article.title, published=article.date)
    assert found.plans == case["plans"]
    assert sorted(found.technologies) == sorted(case["technologies"])
    got = sorted((round(f.value, 6), f.unit, f.qualifier, f.year) for f in found.figures)
    want = sorted((round(float(f["value"]), 6), f["unit"], f.get("qualifier"), f.get("year")) for f in case["figures"])
    assert got == want
