"""The subject of a figure, and the Chinese verb trimming that is written for speed."""

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.subjects import _CHINA_VERB_TRIM, _trim_verbs, subject_of


def subject(text: str, figure: str) -> str:
    start = text.index(figure)
    return subject_of(text, 0, len(text), start, start + len(figure), start, "", "percent")


def test_english_and_chinese_subjects():
    assert subject("China will raise its annual budget for science and technology by 10%.", "10%") == \
        "annual budget for science and technology"
    assert subject("全社会研发经费投入年均增长7%以上。", "7%以上") == "全社会研发经费投入"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["达到", "达", "到", "将", "的", "约为", "约", "为", "研发", "投入", "经费", "超过", "了"]),
                max_size=8))
def test_trimming_verbs_from_the_end_agrees_with_the_regex(words):
    clause = "".join(words)
    assert _trim_verbs(clause) == _CHINA_VERB_TRIM.sub("", clause)
