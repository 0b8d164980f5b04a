"""LedPattern matches exactly what the single pattern it splits would match, overlaps and bounds included."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.scan import LedPattern
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
