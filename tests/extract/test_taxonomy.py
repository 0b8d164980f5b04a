"""Loading and checking config/taxonomy.yaml."""

import pytest

from extract.errors import ConfigError
from extract.taxonomy import DEFAULT_PATH, load_taxonomy

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
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_taxonomy(bad)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_taxonomy(tmp_path / "missing.yaml")
