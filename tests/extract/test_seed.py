"""The article that started the project: what planwatch must find in it, and nothing more."""

from pathlib import Path

import pytest

from extract.article import extract_article
from extract.detect import detect

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "five-year-plan-tech-cnn.txt"


@pytest.fixture(scope="module")
def seed():
    if not SEED.is_file():
        pytest.skip(f"shared seed article not found at {SEED}")
    article = extract_article(SEED.read_bytes(), SEED.as_uri())
    return detect(article.text, title=article.title, published=article.date)


def test_plan_is_the_15th(seed):
    assert seed.plans == ["15th"]


def test_technologies(seed):
    assert {"ai", "robotics", "aerospace", "quantum", "biomedicine", "semiconductors", "computing"} <= set(seed.technologies)


def test_exactly_the_four_figures(seed):
    got = sorted((f.value, f.unit, f.qualifier, f.year) for f in seed.figures)
    assert got == [(7, "percent", "at_least", None), (10, "percent", None, None), (50, "count", "more_than", None),
                   (1e13, "CNY", "more_than", 2030)]


def test_figure_details(seed):
    by_value = {f.value: f for f in seed.figures}
    assert "annual budget for science and technology" in by_value[10].subject
    assert "research and development investment" in by_value[7].subject
    assert "artificial intelligence" in by_value[50].subject
    ai_industry = by_value[1e13]
    assert "AI-related industry" in ai_industry.subject
    assert (ai_industry.alt.value, ai_industry.alt.unit) == (1.45e12, "USD")
    assert "ai" in ai_industry.technologies


def test_durations_and_terms_are_not_figures(seed):
    phrases = " ".join(f.phrase for f in seed.figures)
    for not_a_figure in ("two years", "five years", "first term", "half-decade"):
        assert not_a_figure not in phrases
