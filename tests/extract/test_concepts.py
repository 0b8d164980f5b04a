"""config/concepts.yaml: validated at load (file, key, fix); one concept key for English and Chinese wordings."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.concepts import _alternation, _is_exact, default_concepts, load_concepts
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


# The vocabulary regexes are written as tries led by literals for speed; each must match exactly as the plain
# longest-first alternation of its terms (span and concept of every match).
def _plain(terms, english):
    parts, ids = [], []
    for term, cid in sorted(terms, key=lambda x: -len(x[0])):
        body = re.escape(term).replace(r"\ ", r"[\s-]+")
        if english:
            body = f"(?-i:{body})" if _is_exact(term) else body
            body += "(?:s|es)?"
        parts.append(f"({body})")
        ids.append(cid)
    if english:
        return re.compile(r"(?i)(?<![\w&-])(?:" + "|".join(parts) + r")(?![\w&])"), ids
    return re.compile("|".join(parts)), ids


def _vocabularies():
    c = default_concepts()
    mains = [s for s in c.specs if not s.modifier]
    mods = [s for s in c.specs if s.modifier]
    techs = c.taxonomy.technologies
    for specs in (mains, mods, techs):
        yield [(t, s.id) for s in specs for t in s.en], True
        yield [(t, s.id) for s in specs for t in s.zh], False


_VOCABULARIES = list(_vocabularies())
_TERMS = sorted({t for terms, _ in _VOCABULARIES for t, _ in terms})
_SPELLINGS = [lambda w: w, str.upper, str.capitalize, lambda w: w + "s", lambda w: w + "es", lambda w: w[:-1],
              lambda w: w.replace(" ", "-"), lambda w: w.replace("-", " "), lambda w: w.replace(" ", "  "),
              lambda w: "x" + w, lambda w: w + "x", lambda w: w + "&", lambda w: "-" + w, lambda w: w.replace("s", "ſ"),
              lambda w: w.replace("k", "\u212a")]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_TERMS), st.sampled_from(_SPELLINGS),
                          st.sampled_from([" ", ", ", "", "的", " of ", "-"])), min_size=1, max_size=5))
def test_vocabulary_regexes_match_as_the_plain_alternation(words):
    text = "".join(sep + spell(term) for term, spell, sep in words)
    for terms, english in _VOCABULARIES:
        plain, plain_ids = _plain(terms, english)
        fast = _alternation(terms, english)
        expected = [(m.span(), plain_ids[m.lastindex - 1]) for m in plain.finditer(text)]
        assert [(m.span(), fast.ids[m.lastindex - 1]) for m in fast.regex.finditer(text)] == expected
