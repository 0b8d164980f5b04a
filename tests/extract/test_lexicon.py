"""The lexicon: vocabulary as data, validated at load, and a new unit or qualifier found by a lexicon edit alone."""

from pathlib import Path

import pytest
import yaml

from extract.errors import ConfigError
from extract.figures import find_figures
from extract.lexicon import DEFAULT_DIR, load_lexicon

EN, ZH = DEFAULT_DIR / "en.yaml", DEFAULT_DIR / "zh.yaml"


def _edited(tmp_path: Path, name: str, edit) -> Path:
    data = yaml.safe_load((DEFAULT_DIR / name).read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _found(text, lexicon=None):
    return [(f.value, f.unit, f.qualifier) for f in find_figures(text, lexicon=lexicon)]


def test_a_unit_and_a_qualifier_added_to_the_lexicon_are_found(tmp_path):
    text = "The plan will lay a good 300 furlongs of new rail lines across the western provinces by 2030."
    assert _found(text) == [(300, "count", None)]  # before: furlongs counted as things, "a good" unread

    def add_en(data):
        data["units"].append({"name": "furlongs", "dimension": "length", "gap": "space", "spellings": ["furlong", "furlongs"]})
        data["qualifiers"]["before"]["at_least"].append("a good")

    def add_zh(data):
        data["units"].append({"name": "furlongs", "spellings": ["浪"]})
        data["qualifiers"]["after"]["more_than"] = ["开外"]

    lexicon = load_lexicon([_edited(tmp_path, "en.yaml", add_en), _edited(tmp_path, "zh.yaml", add_zh)])
    assert _found(text, lexicon) == [(300, "furlongs", "at_least")]
    assert _found("“十五五”期间，计划新修铁路三百浪开外，覆盖西部各省区的主要城市。", lexicon) == [(300, "furlongs", "more_than")]
    assert _found(text) != _found(text, lexicon)  # the default lexicon is untouched


def test_the_shipped_lexicon_reads_the_core_units_and_qualifiers():
    lexicon = load_lexicon([EN, ZH])
    assert {"percent", "CNY", "USD", "GW", "count_zh"} <= {u.name for u in lexicon.units}
    assert lexicon.prefixes["US$"] == "USD" and lexicon.scales["billion"] == 1e9 and lexicon.scales["万亿"] == 1e12
    assert lexicon.before["more than"] == "more_than" and lexicon.after_zh["以上"] == "at_least"


@pytest.mark.parametrize("edit, key, fix", [
    (lambda d: d["units"].append({"name": "bad unit", "dimension": "x", "spellings": ["q"]}), "units[", "letters"),
    (lambda d: d["units"].append({"name": "zz", "dimension": "x", "gap": "tab", "spellings": ["q"]}), ".gap", "space"),
    (lambda d: d["units"].append({"name": "zz", "dimension": "x", "patterns": ["(unclosed"]}), ".patterns[0]", "escape"),
    (lambda d: d["units"].append({"name": "zz", "spellings": ["q"]}), ".dimension", "what it measures"),
    (lambda d: d["qualifiers"]["before"].update({"roughly": ["circa"]}), "qualifiers.before.roughly", "about"),
    (lambda d: d["scales"]["words"].update({"lakh": "many"}), "scales.words.lakh", "factor"),
    (lambda d: d.update({"unitz": []}), "unitz", "units"),
    (lambda d: d["currencies"].update({"Dollar": ["D$"]}), "currencies.Dollar", "three capitals"),
    (lambda d: d["dimensions"].update({"power": "TWh"}), "dimensions.power", "dimension is power"),
    (lambda d: d["units"].append({"name": "zz", "dimension": "speed", "to_base": 2, "spellings": ["q"]}),
     "units.zz.to_base", "under dimensions"),
    (lambda d: d["units"].append({"name": "zz", "dimension": "power", "to_base": "big", "spellings": ["q"]}),
     ".to_base", "factor"),
])
def test_a_mistake_names_the_file_the_key_and_the_fix(tmp_path, edit, key, fix):
    path = _edited(tmp_path, "en.yaml", edit)
    with pytest.raises(ConfigError) as err:
        load_lexicon([path, ZH])
    assert err.value.file == str(path) and key in err.value.key and fix in err.value.fix


def test_broken_yaml_is_a_config_error_with_its_line(tmp_path):
    path = tmp_path / "en.yaml"
    path.write_text("units:\n  - {name: GW\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line"):
        load_lexicon([path])


def test_plan_owner_words_come_from_the_lexicon(tmp_path):
    from extract.detect import detect
    from extract.mentions import find_plans
    from extract.taxonomy import default_taxonomy

    text = "The outfit's chairman said the five-year plan would lift output 20% by 2030, as Beijing officials watched."
    lexicon = load_lexicon([_edited(tmp_path, "en.yaml", lambda d: d["plans"]["companies"].append("outfit")), ZH])
    assert [h.china for h in find_plans(text, default_taxonomy())] == [True]
    assert [h.china for h in find_plans(text, default_taxonomy(), lexicon=lexicon)] == [False]
    assert detect("China's 15th Five-Year Plan lifts output 20%.").plans == ["15th"]  # the default is untouched


def test_a_plan_words_mistake_names_the_key(tmp_path):
    path = _edited(tmp_path, "en.yaml", lambda d: d["plans"].update({"owners": ["x"]}))
    with pytest.raises(ConfigError) as err:
        load_lexicon([path, ZH])
    assert err.value.key == "plans" and "companies" in err.value.fix
