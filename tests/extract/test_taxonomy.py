"""Loading and checking config/taxonomy.yaml."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.errors import ConfigError
from extract.taxonomy import DEFAULT_PATH, word_alternation, has_cjk, load_taxonomy

REQUIRED_IDS = ["ai", "robotics", "quantum", "semiconductors", "aerospace", "biomedicine", "6g", "new_energy", "bci",
                "computing"]


def test_shipped_taxonomy_has_the_ten_technologies_and_both_plans():
    tax = load_taxonomy(DEFAULT_PATH)
    assert tax.technology_ids == REQUIRED_IDS
    assert (tax.plan("15th").first_year, tax.plan("15th").last_year) == (2026, 2030)
    assert "十五五" in tax.plan("15th").names and "十四五" in tax.plan("14th").names
    assert all(t.en and t.zh for t in tax.technologies)


def test_env_var_points_at_another_file(tmp_path, monkeypatch):
    path = tmp_path / "tax.yaml"
    path.write_text("plans:\n  '15th': {years: [2026, 2030], ordinals: [15th], names: [十五五]}\n"
                    "technologies:\n  ai: {en: [AI]}\n", encoding="utf-8")
    monkeypatch.setenv("PLANWATCH_TAXONOMY", str(path))
    assert load_taxonomy().technology_ids == ["ai"]


@pytest.mark.parametrize("body, key, fix", [
    ("technologies:\n  ai: {en: [AI]}\n", "plans", "add a 'plans:' mapping"),
    ("plans:\n  '15th': {years: [2030, 2026], ordinals: [15th], names: [十五五]}\ntechnologies:\n  ai: {en: [AI]}\n",
     "plans.15th.years", "years: [2026, 2030]"),
    ("plans:\n  '15th': {years: [2026, 2030], ordinals: [15th], names: [十五五]}\ntechnologies:\n  AI!: {en: [AI]}\n",
     "technologies.AI!", "lower-case"),
    ("plans:\n  '15th': {years: [2026, 2030], ordinals: [15th], names: [十五五]}\ntechnologies:\n  ai: {label: AI}\n",
     "technologies.ai", "add English terms"),
    ("plans:\n  '15th': {years: [2026, 2030], ordinals: [15th], names: [十五五]}\ntechnologies:\n  ai: {en: AI}\n",
     "technologies.ai.en", "list"),
    ("plans:\n  '15th': {years: [2026, 2030], ordinals: [15th], names: [十五五]}\ntechnologies:\n  ai: {en: [AI], de: [KI]}\n",
     "technologies.ai.de", "use only label, en, zh and exclude"),
])
def test_bad_file_names_file_key_and_fix(tmp_path, body, key, fix):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_taxonomy(path)
    message = str(info.value)
    assert str(path) in message and f"key '{key}'" in message and fix in message


def test_broken_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plans: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid YAML at line"):
        load_taxonomy(bad)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_taxonomy(tmp_path / "missing.yaml")


# has_cjk and word_alternation exist for speed; each must answer exactly as the plain regex it replaces.
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 700), st.text(alphabet="ab ’“。\u33ff\u3400\u4e00\u9fff\ua000\u00e9", max_size=20))
def test_has_cjk_answers_as_the_regex(pad, tail):
    for text in (tail, "x" * pad + tail, "’" * pad + tail):
        assert has_cjk(text) == bool(_CJK_RE.search(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aAnNtThHeEiIsS ,.'-", max_size=40))
def test_word_alternation_matches_as_an_ignorecase_alternation(text):
    words = ["a", "an", "the", "its", "this", "has", "he", "National People's Congress", "state"]
    fast = re.compile("(?:" + word_alternation(words, lead=r"(?<!\w.)") + r")\b")
    plain = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")\b",
                       re.IGNORECASE)
    assert bool(fast.search(text)) == bool(plain.search(text))
    assert bool(fast.fullmatch(text)) == bool(plain.fullmatch(text))
