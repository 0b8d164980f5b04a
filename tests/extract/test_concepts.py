"""config/concepts.yaml: validated at load (file, key, fix); one concept key for English and Chinese wordings."""

import pytest

from extract.concepts import default_concepts, load_concepts
from extract.errors import ConfigError


def test_english_and_chinese_wordings_share_a_concept():
    c = default_concepts()
    assert c.key_of("AI-related industry").key == c.key_of("人工智能相关产业规模").key == "industry_scale+ai"
    assert c.key_of("annual research and development investment").key == c.key_of("研发经费投入年均增长").key
    assert c.key_of("urban unemployment rate").key != c.key_of("economic growth").key


@pytest.mark.parametrize("body, key", [
    ("concepts:\n  x:\n    label: X\n", "concepts.x"),
    ("concepts:\n  x:\n    en: [a]\n    colour: red\n", "concepts.x.colour"),
    ("concepts:\n  a:\n    en: [growth]\n  b:\n    en: [Growth]\n", "concepts.b.en"),
    ("nothing: 1\n", "concepts"),
])
def test_mistakes_name_file_key_and_fix(tmp_path, body, key):
    path = tmp_path / "concepts.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_concepts(path)
    assert err.value.key == key and err.value.fix and str(path) in str(err.value)
