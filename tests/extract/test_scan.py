"""LedPattern matches exactly what the single pattern it splits would match, overlaps and bounds included; so\ndoes case_led."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract import kinds
from extract.scan import LedPattern, case_led
from extract.taxonomy import WORD_LEAD, WORD_LEADS

# A pattern whose matches can hold a lead of another branch ('“generative AI model'), so matches from
# different leading characters overlap and only the leftmost may be kept.
REST = r"(?P<t>generative AI|AI model|AI|model)(?![A-Za-z])"
TERMS = LedPattern.after(WORD_LEADS, REST)
SINGLE = re.compile(WORD_LEAD + REST)


def spans(matches) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group("t")) for m in matches]


def test_overlapping_matches_from_different_leads_keep_the_leftmost():
    text = "\n“generative AI model” and (AI model) or “AI”"
    assert spans(TERMS.finditer(text)) == spans(SINGLE.finditer(text))
    assert [t for _, _, t in spans(TERMS.finditer(text))] == ["generative AI", "model", "AI model", "AI"]


def test_a_branch_skipped_inside_a_match_looks_again_after_it():
    # the space-led branch first finds ' AI model' inside “generative AI model”; after that match it must
    # still find ' model' further on, which the single pattern finds too
    text = "“generative AI model model"
    assert spans(TERMS.finditer(text)) == spans(SINGLE.finditer(text))
    assert [t for _, _, t in spans(TERMS.finditer(text))] == ["generative AI", "model", "model"]


def test_pos_and_endpos_bound_the_scan_like_re():
    text = " AI model (AI) “model” AI"
    for pos in range(len(text)):
        for endpos in range(pos, len(text) + 1):
            assert spans(TERMS.finditer(text, pos, endpos)) == spans(SINGLE.finditer(text, pos, endpos))


def test_branches_may_differ_per_leading_character():
    plans = LedPattern({"F": r"Five-year plan|FYP\b", "f": "five-year plan", "5": "5-year plan"})
    single = re.compile(plans.pattern)
    text = "The Five-year plan, the 15th FYP and a 5-year plan; five-year planning too. FYPs"
    assert [m.span() for m in plans.finditer(text)] == [m.span() for m in single.finditer(text)]
    assert [m.group() for m in plans.finditer(text)] == ["Five-year plan", "FYP", "5-year plan", "five-year plan"]


def test_a_branch_must_name_its_one_leading_character():
    try:
        LedPattern({"Fi": "Five"})
    except ValueError as exc:
        assert "one character" in str(exc)
    else:
        raise AssertionError("a two-character key was accepted")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" “(\nAI modelgenrativ", max_size=60), st.integers(0, 60), st.integers(0, 60))
def test_any_text_matches_as_the_single_pattern(text, pos, endpos):
    assert spans(TERMS.finditer(text, pos, endpos)) == spans(SINGLE.finditer(text, pos, endpos))


ENDS = LedPattern({".": r"\.[”’\"')]*(?=\s|$)"} | {c: re.escape(c) + r"[”」』’\"')）]*" for c in "。!?\n"})
ENDS_SINGLE = re.compile(r"[.。!?\n](?:(?<=\.)[”’\"')]*(?=\s|$)|(?<!\.)[”」』’\"')）]*)")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="a .。!?\n”」'", max_size=60))
def test_ends_of_matches_that_cannot_overlap_are_the_single_patterns(text):
    assert ENDS.ends(text) == [m.end() for m in ENDS_SINGLE.finditer(text)]


# case_led rewrites the English word lists of extract/kinds for speed; each must match as the plain pattern.
_WORD_LISTS = [(kinds._FORECAST_EN, ""), (kinds._TARGET_EN, r"\b"), (kinds._PAST_EN, r"\b"), (kinds._GROWTH_EN, r"\b"),
               (kinds._TARGET_WORD_EN, r"\b"), (kinds._AS_OF_EN, ""), (kinds._PLAN_VERB_EN, r"\b"),
               (["14th", "fourteenth"], kinds._PLAN_WORD)]
_WORDS = sorted({w for frags, _ in _WORD_LISTS for f in frags for w in re.sub(r"\(\?<!|\\[wd]|[^A-Za-z0-9 /-]", " ", f).split()}
                | {"than", "earlier", "2030", "the", "end", "of", "five-year", "plan", "expectation", "ed", "s"})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from([str, str.upper, str.capitalize,
                                                                     lambda w: w.replace("s", "ſ")]),
                          st.sampled_from([" ", "", "-", ", ", "年"])), min_size=1, max_size=6))
def test_case_led_matches_as_the_plain_ignorecase_pattern(words):
    text = "".join(sep + spell(word) for word, spell, sep in words)
    for fragments, after in _WORD_LISTS:
        plain = re.compile(r"(?i:\b(?:" + "|".join(fragments) + ")" + after + ")")
        led = re.compile(case_led(fragments, after=after))
        assert [m.span() for m in led.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_case_led_refuses_a_fragment_without_a_first_letter_of_its_own():
    with pytest.raises(ValueError):
        case_led(["s?ome"])


@pytest.mark.parametrize("text", ["higher than expected", "THAN Expected", "than earlier expected", "we expect 5%",
                                  "thanexpected", "than  expected"])
def test_case_led_keeps_a_lookbehind_before_the_letter(text):
    plain = re.compile(r"(?i:\b(?:" + "|".join(kinds._FORECAST_EN) + "))")
    led = re.compile(case_led(kinds._FORECAST_EN))
    assert [m.span() for m in led.finditer(text)] == [m.span() for m in plain.finditer(text)]
