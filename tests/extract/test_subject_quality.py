"""Every subject detection produces for ../shared/eval, the sample bundle and tests/fixtures/eval_own reads as
a noun phrase (also on the held-out streams of tests/fixtures/streams): never a bare stop word, pronoun, country, year, date or verb phrase."""

from pathlib import Path

import pytest

from extract.article import extract_article
from extract.detect import detect
from extract.subjects import readable_subject, subject_problem

REPO = Path(__file__).resolve().parents[2]
FOLDERS = [REPO.parent / "shared" / "eval" / "articles", REPO / "planwatch" / "sample" / "articles",
           REPO / "planwatch" / "sample" / "revision", REPO / "tests" / "fixtures" / "eval_own" / "articles"] + sorted(
    (REPO / "tests" / "fixtures" / "streams").glob("s*/pages"))
BAD = ["China", "2026", "equivalent", "document refers", "goal", "was registered with", "it now wants AI-related "
       "industries", "its", "March 5, 2026", "中国", "比上年", "分析師指出", "th", "units", "worth", "country", "climbed",
       "increase"]


def _subjects():
    for folder in FOLDERS:
        for page in sorted(folder.glob("*.html")):
            html = page.read_bytes().replace(b"{base}", b"http://example.test")
            article = extract_article(html, f"http://example.test/{page.name}")
            for fig in detect(article.text, title=article.title, published=article.date).figures:
                yield page.name, fig.subject


def test_every_subject_produced_reads_right():
    subjects = list(_subjects())
    assert len(subjects) > 300  # all three sets were read
    bad = [(page, s, subject_problem(s)) for page, s in subjects if s and subject_problem(s)]
    assert bad == []
    assert sum(1 for _, s in subjects if s) >= 0.8 * len(subjects)  # most figures keep a subject


@pytest.mark.parametrize("subject", BAD)
def test_the_check_catches_what_reached_subject_lines_before(subject):
    assert subject_problem(subject) is not None


def test_chinese_subjects_lose_leading_verbs_and_list_markers():
    assert readable_subject("一是全社会研发经费投入") == "全社会研发经费投入"
    assert readable_subject("提出全社会研发经费投入") == "全社会研发经费投入"
    assert readable_subject("officials now saying the country’s AI-related industry") == "AI-related industry"
    assert readable_subject("BEIJING (Reuters) - China's AI-related industry") == "AI-related industry"
